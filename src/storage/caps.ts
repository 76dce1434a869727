/**
 * What other entities support (XEP-0115): disco#info by verification string, kept once verified, so a
 * `ver` seen again (any contact, any session) costs no query. The worker writes it (src/worker/caps.ts).
 */
import type { ParleyDb, SchemaPart } from './db.js';

/** A verified `ver` and the features it stands for. */
export interface CapsRecord {
  ver: string;
  features: string[];
}

declare module './db.js' {
  interface ParleySchema {
    caps: { key: string; value: CapsRecord };
  }
}

/** Version 13: the capabilities cache. */
export const CAPS_SCHEMA: SchemaPart = [
  { version: 13, run: (db) => {
    db.createObjectStore('caps', { keyPath: 'ver' });
  } },
];

export const getCaps = (db: ParleyDb, ver: string): Promise<CapsRecord | undefined> => db.get('caps', ver);

/** Pages show nothing of it: no change to tell. */
export async function putCaps(db: ParleyDb, record: CapsRecord): Promise<void> {
  await db.put('caps', record);
}
