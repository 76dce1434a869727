import { expect } from 'chai';
import { dayLabel, GROUP_MS, logRows } from '../../src/elements/message-groups.js';
import type { MessageRecord } from '../../src/shared/records.js';

const NOON = new Date(2026, 5, 10, 12, 0).getTime();
const MIN = 60_000;
let n = 0;
const msg = (ts: number, direction: 'in' | 'out', extra: Partial<MessageRecord> = {}): MessageRecord =>
  ({ key: `k${++n}`, conversation: 'bob@example.org', direction, from: direction === 'in' ? 'bob@example.org' : 'me@example.org', body: 'hi', ts, state: 'received', ...extra });

/** The rows as short text: a date line as `[label]`, a message as `+` (starts a run) or `.`. */
const shape = (rows: ReturnType<typeof logRows>) => rows.map((r) => `${r.day ? `[${r.day}] ` : ''}${r.first ? '+' : '.'}`).join(' ');

describe('date lines and runs of messages', () => {
  it('names today and yesterday, and other days by their date', () => {
    expect(dayLabel(NOON - 11 * 60 * MIN, NOON)).to.equal('Today');
    expect(dayLabel(NOON - 13 * 60 * MIN, NOON)).to.equal('Yesterday');
    const older = NOON - 3 * 24 * 60 * MIN;
    expect(dayLabel(older, NOON)).to.equal(new Intl.DateTimeFormat(undefined, { dateStyle: 'long' }).format(older));
  });

  it('one sender within a few minutes is one run; another sender, a pause or a new day starts the next', () => {
    const list = [
      msg(NOON - 25 * 60 * MIN, 'in'),
      msg(NOON, 'in'),
      msg(NOON + MIN, 'in'),
      msg(NOON + 2 * MIN, 'out'),
      msg(NOON + 3 * MIN, 'out'),
      msg(NOON + 3 * MIN + GROUP_MS + 1, 'out'),
    ];
    expect(shape(logRows(list, undefined, NOON))).to.equal('[Yesterday] + [Today] + . + . +');
  });

  it('in a room each occupant has their own runs, and "New messages" starts one', () => {
    const list = [
      msg(NOON, 'in', { author: 'occupant-id:a', nick: 'ann' }),
      msg(NOON + MIN, 'in', { author: 'occupant-id:b', nick: 'ben' }),
      msg(NOON + 2 * MIN, 'in', { author: 'occupant-id:b', nick: 'ben' }),
      msg(NOON + 3 * MIN, 'in', { author: 'occupant-id:b', nick: 'ben' }),
    ];
    expect(shape(logRows(list, undefined, NOON))).to.equal('[Today] + + . .');
    expect(shape(logRows(list, list[3]!.key, NOON))).to.equal('[Today] + + . +');
  });

  it('a new message leaves the rows before it as they were', () => {
    const list = [msg(NOON, 'in'), msg(NOON + MIN, 'out')];
    const before = logRows(list, undefined, NOON);
    const after = logRows([...list, msg(NOON + 2 * MIN, 'out')], undefined, NOON);
    expect(after.slice(0, before.length)).to.deep.equal(before);
  });
});
