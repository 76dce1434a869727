import { expect } from 'chai';
import { chooseMechanism, LoginError, transportRefusal } from '../../src/worker/auth.js';

const password = { password: 'pencil' };
const token = { fast: { mechanism: 'HT-SHA-256-NONE', token: 't', expiry: '2999-01-01T00:00:00Z' } };
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
    expect(chooseMechanism(['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256'], { ...password, allowPlain: true })).to.equal('SCRAM-SHA-256');
    expect(chooseMechanism(['PLAIN', 'SCRAM-SHA-1'], { ...password, allowPlain: true })).to.equal('SCRAM-SHA-1');
  });

  it('uses PLAIN only when the page allowed it', () => {
    expect(chooseMechanism(['PLAIN'], { ...password, allowPlain: true })).to.equal('PLAIN');
    const err = refusal(() => chooseMechanism(['PLAIN'], { ...password, allowPlain: false }));
    expect(err.code).to.equal('mechanism');
    expect(err.message).to.contain('offered: PLAIN');
  });

  it('logs in from stored keys only with the mechanism they were made for', () => {
    expect(chooseMechanism(['SCRAM-SHA-1', 'SCRAM-SHA-256'], { ...keys('SCRAM-SHA-1'), allowPlain: false })).to.equal('SCRAM-SHA-1');
    expect(refusal(() => chooseMechanism(['SCRAM-SHA-256', 'PLAIN'], { ...keys('SCRAM-SHA-1'), allowPlain: true })).code).to.equal('stale');
  });

  it('says so when nothing usable is offered', () => {
    expect(refusal(() => chooseMechanism([], { ...password, allowPlain: true })).message).to.contain('offered: none');
  });
});

describe('FAST and stored credentials', () => {
  it('with only a FAST token, names the strongest SCRAM to fall back to (which asks for the password if the token fails)', () => {
    expect(chooseMechanism(['SCRAM-SHA-1', 'SCRAM-SHA-256'], { ...token, allowPlain: false })).to.equal('SCRAM-SHA-256');
  });

  it('holding keys the server no longer takes and a FAST token, still tries the token first', () => {
    expect(chooseMechanism(['SCRAM-SHA-1'], { ...keys('SCRAM-SHA-256'), ...token, allowPlain: false })).to.equal('SCRAM-SHA-1');
  });

  it('with nothing stored that the server can take, asks for the password again', () => {
    expect(refusal(() => chooseMechanism(['SCRAM-SHA-1'], { allowPlain: true })).code).to.equal('stale');
    expect(refusal(() => chooseMechanism(['PLAIN'], { ...token, allowPlain: true })).code).to.equal('stale');
  });
});

describe('where credentials may go', () => {
  it('allows wss:// anywhere and ws:// only to this machine', () => {
    expect(transportRefusal('wss://chat.example.org/ws')).to.equal(undefined);
    for (const local of ['ws://127.0.0.1:5280/ws', 'ws://localhost/ws', 'ws://[::1]:5280/ws', 'ws://app.localhost/ws']) {
      expect(transportRefusal(local), local).to.equal(undefined);
    }
    expect(transportRefusal('ws://chat.example.org/ws')).to.contain('unencrypted to chat.example.org');
    expect(transportRefusal('ws://127.0.0.1.example.org/ws')).to.contain('unencrypted');
  });

  it('allows ws:// elsewhere only when the page says so, and nothing but ws/wss', () => {
    expect(transportRefusal('ws://chat.example.org/ws', true)).to.equal(undefined);
    expect(transportRefusal('http://chat.example.org/ws', true)).to.contain('ws:// or wss://');
    expect(transportRefusal('not a url')).to.contain('ws:// or wss://');
  });
});
