import { expect } from 'chai';
import { ChangeBatch } from '../../src/worker/change-batch.js';
import type { Change } from '../../src/shared/api.js';

describe("the worker's change announcements", () => {
  const recorder = () => {
    const announced: Change[] = [];
    let wake: () => void = () => undefined;
    const batch = new ChangeBatch((c) => {
      announced.push(c);
      wake();
    }, 50);
    const next = () => new Promise<void>((ok) => (wake = ok));
    return { announced, batch, next };
  };

  // Caught by the per-message bench: every change waited a whole frame, a lone message included.
  it('announces the first change after a quiet spell without waiting for a timer, merged with those of the same task', async () => {
    const { announced, batch } = recorder();
    batch.add({ stores: ['messages'], conversations: ['a@x'] });
    batch.add({ stores: ['conversations'], conversations: ['a@x'] });
    batch.add(null);
    await Promise.resolve(); // one microtask: no timer has run yet
    expect(announced).to.deep.equal([{ stores: ['messages', 'conversations'], conversations: ['a@x'] }]);
  });

  it('merges what follows it closely into one announcement', async () => {
    const { announced, batch, next } = recorder();
    batch.add({ stores: ['messages'], conversations: ['a@x'] });
    await Promise.resolve();
    const later = next();
    for (const jid of ['b@x', 'c@x', 'b@x']) {
      batch.add({ stores: ['messages'], conversations: [jid] });
      await Promise.resolve();
    }
    expect(announced).to.have.length(1);
    await later;
    expect(announced).to.deep.equal([
      { stores: ['messages'], conversations: ['a@x'] },
      { stores: ['messages'], conversations: ['b@x', 'c@x'] },
    ]);
  });
});
