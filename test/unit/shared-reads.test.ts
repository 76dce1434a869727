import { expect } from 'chai';
import { parley } from '../../src/client/index.js';
import { shared } from '../../src/elements/live.js';
import { EVENTS_CHANNEL, type WorkerEvent } from '../../src/shared/api.js';
import type { ParleyDb } from '../../src/storage/db.js';

// What `shared` is handed as the database: only its identity matters here.
const db = {} as ParleyDb;
// The page's change events, from a worker that does nothing (the events are posted here).
parley({ workerUrl: new URL('../../src/elements/intl-worker.ts', import.meta.url) });

/** A change event as the worker posts it, resolved once this page heard it. */
async function change(): Promise<void> {
  const heard = new Promise<void>((done) => {
    const off = parley().on((e) => {
      if (e.type === 'change') {
        off();
        done();
      }
    });
  });
  const event: WorkerEvent = { type: 'change', change: { stores: ['messages'] } };
  new BroadcastChannel(EVENTS_CHANNEL).postMessage(event);
  await heard;
}

describe('reads shared between elements', () => {
  it('gives every element that asks the same the one read, done or running, until a change is heard', async () => {
    let reads = 0;
    const read = shared(async (_db: ParleyDb, jid: string) => ({ jid, read: ++reads }));
    const [a, b] = await Promise.all([read(db, 'bob@x'), read(db, 'bob@x')]);
    expect(a).to.equal(b);
    // Asked after it answered (a read asked before the element existed): the same answer.
    expect(await read(db, 'bob@x')).to.equal(a);
    expect(reads).to.equal(1);
    expect(await read(db, 'carol@x')).to.deep.equal({ jid: 'carol@x', read: 2 });
    await change();
    expect(await read(db, 'carol@x')).to.deep.equal({ jid: 'carol@x', read: 3 });
  });

  it('does not give a failed read again', async () => {
    let reads = 0;
    const read = shared(async () => {
      if (++reads === 1) throw new DOMException('the page is frozen', 'AbortError');
      return reads;
    });
    let failed: unknown;
    await read(db).catch((err: unknown) => (failed = err));
    expect((failed as DOMException).name).to.equal('AbortError');
    expect(await read(db)).to.equal(2);
  });
});
