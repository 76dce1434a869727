/**
 * The push Service Worker's short login: with every tab closed it logs in with the stored
 * credentials (no presence, so nothing is routed to it live), pages in what is new from the archive
 * with the worker's own plugins, and disconnects. It sends nothing: the outbox waits for the tabs.
 */
import type { AccountRecord } from '../shared/records.js';
import type { ParleyDb } from '../storage/db.js';
import { getAccount } from '../storage/read.js';
import { saveAccount } from '../storage/write.js';
import { storedBlocklist } from '../worker/blocking.js';
import { corrections } from '../worker/correction.js';
import { mam } from '../worker/mam.js';
import { messages } from '../worker/message.js';
import { outbox } from '../worker/outbox.js';
import { alsoArchived } from '../worker/plugin.js';
import { reactions } from '../worker/reactions.js';
import { retractions } from '../worker/retraction.js';
import { Session } from '../worker/session.js';

/** Logs in, catches up, logs out; resolves with the conversations whose messages changed. Needs the account's lock. */
export async function wake(db: ParleyDb, account: AccountRecord, { signal, log }: { signal: AbortSignal; log: (m: string, d?: unknown) => void }): Promise<Set<string>> {
  const changed = new Set<string>();
  let online!: () => void;
  let failed!: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => ((online = resolve), (failed = reject)));
  const session = new Session({
    jid: account.jid,
    service: account.service,
    resource: `parley-push-${crypto.randomUUID().slice(0, 8)}`,
    credentials: {
      username: account.jid.split('@')[0]!,
      ...(account.keys ? { keys: account.keys } : {}),
      ...(account.fast ? { fast: account.fast } : {}),
      allowPlain: account.allowPlain,
    },
    agentId: account.agentId,
    db,
    brief: true,
    // A rotated FAST token must be kept, or the tabs' next login fails.
    onToken: (fast) => void getAccount(db).then((a) => {
      if (a?.jid !== account.jid) return;
      const { fast: _old, ...rest } = a;
      return saveAccount(db, fast ? { ...rest, fast } : rest);
    }),
    commit: (change) => change?.conversations?.forEach((jid) => changed.add(jid)),
    onState: (state) => state === 'online' && online(),
    onAuthLost: (err) => failed(err),
    log,
  });
  const archive = session.use(mam);
  const held = session.use((ctx) => outbox(ctx, () => new Promise<void>(() => undefined)));
  session.use((ctx) => messages(ctx, held, storedBlocklist(db)));
  session.use((ctx) => alsoArchived(reactions(ctx, held)));
  session.use((ctx) => alsoArchived(corrections(ctx, held)));
  session.use((ctx) => alsoArchived(retractions(ctx, held)));
  const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('out of time')), { once: true }));
  try {
    await Promise.race([session.start().then(() => ready), aborted]);
    await Promise.race([archive.caughtUp(), aborted]);
  } finally {
    // Nothing is written once this returns: the lock is then free for a tab's worker.
    await archive.stop();
    await session.stop();
  }
  return changed;
}
