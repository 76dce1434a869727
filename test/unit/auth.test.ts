import { expect } from 'chai';
import { chooseMechanism, LoginError } from '../../src/worker/auth.js';

const password = { password: 'pencil' };
const keys = (mechanism: 'SCRAM-SHA-1' | 'SCRAM-SHA-256') => ({
  keys: { mechanism, salt: 'c2FsdA==', iterations: 4096, clientKey: 'a2V5', serverKey: 'a2V5' },
});

function refusal(run: () => unknown): LoginError {
  try {
    run();
  } catch (err) {
    if (err instanceof LoginError) return err;
    throw err;
  }
  throw new Error('expected a LoginError');
}

describe('login mechanism choice', () => {
  it('prefers SCRAM-SHA-256, then SCRAM-SHA-1, over PLAIN even when PLAIN is allowed', () => {
    expect(chooseMechanism(['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256'], { secret: password, allowPlain: true })).to.equal('SCRAM-SHA-256');
    expect(chooseMechanism(['PLAIN', 'SCRAM-SHA-1'], { secret: password, allowPlain: true })).to.equal('SCRAM-SHA-1');
  });

  it('uses PLAIN only when the page allowed it', () => {
    expect(chooseMechanism(['PLAIN'], { secret: password, allowPlain: true })).to.equal('PLAIN');
    const err = refusal(() => chooseMechanism(['PLAIN'], { secret: password, allowPlain: false }));
    expect(err.code).to.equal('mechanism');
    expect(err.message).to.contain('offered: PLAIN');
  });

  it('logs in from stored keys only with the mechanism they were made for', () => {
    expect(chooseMechanism(['SCRAM-SHA-1', 'SCRAM-SHA-256'], { secret: keys('SCRAM-SHA-1'), allowPlain: false })).to.equal('SCRAM-SHA-1');
    expect(refusal(() => chooseMechanism(['SCRAM-SHA-256', 'PLAIN'], { secret: keys('SCRAM-SHA-1'), allowPlain: true })).code).to.equal('stale');
  });

  it('says so when nothing usable is offered', () => {
    expect(refusal(() => chooseMechanism([], { secret: password, allowPlain: true })).message).to.contain('offered: none');
  });
});
