/**
 * One connection owner per account. A SharedWorker is one per script URL, so two deploys (or two
 * `worker-url`s) start two workers in one origin; both would log in, kick each other and flush one
 * outbox twice. Whoever connects or writes for an account holds the Web Lock `parley-account:<bare
 * JID>` for as long as it may write (the push Service Worker must take the same lock before it
 * writes). A worker that finds it held waits, and asks the holder to hand over when it is of a
 * later build: the holder leaves its stream resumable, closes storage and frees the lock.
 */

declare const __PARLEY_BUILD__: string | undefined;

/** This worker's build; a later one takes over from an earlier one. Stamped by rollup. */
export const BUILD = typeof __PARLEY_BUILD__ === 'string' ? __PARLEY_BUILD__ : 'parley-build:dev';

export const accountLockName = (jid: string) => `parley-account:${jid}`;

const CHANNEL = 'parley-owner';

interface TakeOver {
  t: 'take-over';
  jid: string;
  build: string;
}

/** Holds at most one account's lock for this worker. */
export class AccountOwner {
  private readonly channel = new BroadcastChannel(CHANNEL);
  private held: { jid: string; release: () => void } | undefined;

  /** `onAsked`: a later build wants the account this worker holds. */
  constructor(onAsked: (jid: string) => void) {
    this.channel.onmessage = ({ data }: MessageEvent<TakeOver>) => {
      if (data?.t === 'take-over' && data.jid === this.held?.jid && data.build > BUILD) onAsked(data.jid);
    };
  }

  /** The account whose lock this worker holds. */
  get jid(): string | undefined {
    return this.held?.jid;
  }

  /**
   * Resolves once this worker holds `jid`'s lock (releasing any other it held). `waiting` is called
   * if another holder must go first; `signal` gives up (the promise then rejects).
   */
  async acquire(jid: string, { waiting, signal }: { waiting: () => void; signal: AbortSignal }): Promise<void> {
    if (this.held?.jid === jid) return;
    this.release();
    let release = await hold(accountLockName(jid), { ifAvailable: true });
    if (!release) {
      waiting();
      this.channel.postMessage({ t: 'take-over', jid, build: BUILD } satisfies TakeOver);
      release = await hold(accountLockName(jid), { signal });
    }
    this.held = { jid, release: release! };
  }

  /** Takes `jid`'s lock only if no other worker holds it; says whether this worker now holds it. */
  async tryAcquire(jid: string): Promise<boolean> {
    if (this.held?.jid === jid) return true;
    const release = await hold(accountLockName(jid), { ifAvailable: true });
    if (!release) return false;
    this.release();
    this.held = { jid, release };
    return true;
  }

  release(): void {
    this.held?.release();
    this.held = undefined;
  }
}

/** Takes a lock and keeps it until the function returned is called; null if `ifAvailable` and taken. */
function hold(name: string, options: LockOptions): Promise<(() => void) | null> {
  return new Promise((resolve, reject) => {
    navigator.locks
      .request(name, options, (lock) => {
        if (!lock) return resolve(null);
        return new Promise<void>((release) => resolve(() => release()));
      })
      .catch(reject);
  });
}
