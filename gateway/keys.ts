/** The gateway's keys (node sealing + VAPID), kept in one JSON file made on first start. */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import webpush from 'web-push';

export interface GatewayKeys {
  /** base64url, 32 bytes: seals nodes (gateway/seal.ts). */
  key: string;
  vapidPublicKey: string;
  vapidPrivateKey: string;
}

export function newKeys(): GatewayKeys {
  const vapid = webpush.generateVAPIDKeys();
  return { key: randomBytes(32).toString('base64url'), vapidPublicKey: vapid.publicKey, vapidPrivateKey: vapid.privateKey };
}

/** Reads the keys from `file`, creating it (mode 600) if missing. */
export async function loadKeys(file: string): Promise<GatewayKeys> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as GatewayKeys;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const keys = newKeys();
    await writeFile(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
    return keys;
  }
}
