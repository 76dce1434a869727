/**
 * Runs the gateway against a server of your own:
 *   PARLEY_PUSH_SERVICE=xmpp://127.0.0.1:5347 PARLEY_PUSH_DOMAIN=push.example.org \
 *   PARLEY_PUSH_PASSWORD=… PARLEY_PUSH_SUBJECT=mailto:admin@example.org node --import tsx gateway/main.ts
 * Keys live in PARLEY_PUSH_KEYS (default ./parley-push-keys.json), made on first start: keep that file,
 * and give it to every instance serving the same component address.
 */
import { loadKeys } from './keys.js';
import { startGateway } from './gateway.js';

const need = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const keys = await loadKeys(process.env.PARLEY_PUSH_KEYS ?? 'parley-push-keys.json');
const gateway = await startGateway({
  service: need('PARLEY_PUSH_SERVICE'),
  domain: need('PARLEY_PUSH_DOMAIN'),
  password: need('PARLEY_PUSH_PASSWORD'),
  key: Buffer.from(keys.key, 'base64url'),
  vapid: { publicKey: keys.vapidPublicKey, privateKey: keys.vapidPrivateKey, subject: need('PARLEY_PUSH_SUBJECT') },
});
const stop = () => void gateway.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
