import { expect } from 'chai';
import { OwnStatus } from '../../src/client/own-status.js';
import type { Status } from '../../src/shared/api.js';

const st = (state: Status['state'], seq: number, worker = 'w1'): Status => ({ state, seq, worker });

describe("a page's own worker status", () => {
  // Caught in the suite: a worker that resumed a stream at once announced "online" before its answer
  // to status() ("connecting") reached the page, which dropped the event and showed "Connecting…" for good.
  it('shows an event that came before the answer, once the answer comes, when it is newer', () => {
    const own = new OwnStatus();
    expect(own.event(st('online', 3))).to.deep.equal([]);
    expect(own.answer(st('connecting', 2)).map((s) => s.state)).to.deep.equal(['online']);
  });

  it('drops what is older than what was shown, and the same announcement twice', () => {
    const own = new OwnStatus();
    own.event(st('connecting', 2));
    expect(own.answer(st('online', 3)).map((s) => s.state)).to.deep.equal(['online']);
    expect(own.event(st('online', 3))).to.deep.equal([]);
    expect(own.event(st('offline', 4)).map((s) => s.state)).to.deep.equal(['offline']);
  });

  it("ignores another worker's events, before the answer and after", () => {
    const own = new OwnStatus();
    own.event(st('waiting', 9, 'w2'));
    expect(own.answer(st('online', 1)).map((s) => s.state)).to.deep.equal(['online']);
    expect(own.event(st('logged-out', 10, 'w2'))).to.deep.equal([]);
  });
});
