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

  it('carries the few messages stored for the first time, and none when a burst stored more than pages should be sent', async () => {
    const { announced, batch, next } = recorder();
    const message = (i: number) => ({ key: `k${i}`, conversation: 'a@x', direction: 'in' as const, from: 'a@x/r', body: `${i}`, ts: i, state: 'received' as const });
    batch.add({ stores: ['messages'], conversations: ['a@x'], added: [message(1)] });
    batch.add({ stores: ['conversations'], conversations: ['a@x'] });
    await Promise.resolve();
    expect(announced[0]!.added?.map((m) => m.body)).to.deep.equal(['1']);
    const later = next();
    for (let i = 2; i <= 30; i++) batch.add({ stores: ['messages'], conversations: ['a@x'], added: [message(i)] });
    await later;
    // 29 new ones: pages read them back instead.
    expect(announced[1]).to.deep.equal({ stores: ['messages'], conversations: ['a@x'] });
    const last = next();
    batch.add({ stores: ['messages'], conversations: ['a@x'], added: [message(31)] });
    await last;
    expect(announced[2]!.added?.map((m) => m.body)).to.deep.equal(['31']);
  });

  // Caught in CI (what a person sees): a correction and the message after it were announced together,
  // and the page showed the new message at once, from `added`, before the corrected text.
  it('carries no messages when the same announcement also changed stored ones (an edit, a receipt)', async () => {
    const { announced, batch } = recorder();
    const message = { key: 'k', conversation: 'a@x', direction: 'in' as const, from: 'a@x/r', body: 'done', ts: 2, state: 'received' as const };
    batch.add({ stores: ['messages'], conversations: ['a@x'] });
    batch.add({ stores: ['messages', 'conversations'], conversations: ['a@x'], added: [message] });
    await Promise.resolve();
    expect(announced).to.deep.equal([{ stores: ['messages', 'conversations'], conversations: ['a@x'] }]);
  });
});
