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

  /**
   * `onAsked`: a later build wants the account this worker holds. `onStolen`: another worker took
   * the lock by force (a tab that found this one's tab frozen): this one must stop writing at once.
   */
  constructor(onAsked: (jid: string) => void, private readonly onStolen: () => void) {
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
  async acquire(jid: string, { waiting, signal, steal = false }: { waiting: () => void; signal: AbortSignal; steal?: boolean }): Promise<void> {
    if (this.held?.jid === jid) return;
    this.release();
    let held = await hold(accountLockName(jid), steal ? { steal: true } : { ifAvailable: true });
    if (!held) {
      waiting();
      this.channel.postMessage({ t: 'take-over', jid, build: BUILD } satisfies TakeOver);
      held = await hold(accountLockName(jid), { signal });
    }
    this.keep(jid, held!);
  }

  /** Takes `jid`'s lock only if no other worker holds it; says whether this worker now holds it. */
  async tryAcquire(jid: string): Promise<boolean> {
    if (this.held?.jid === jid) return true;
    const held = await hold(accountLockName(jid), { ifAvailable: true });
    if (!held) return false;
    this.release();
    this.keep(jid, held);
    return true;
  }

  release(): void {
    this.held?.release();
    this.held = undefined;
  }

  private keep(jid: string, { release, lost }: Held): void {
    const held = { jid, release };
    this.held = held;
    void lost.then(() => {
      if (this.held !== held) return;
      this.held = undefined;
      this.onStolen();
    });
  }
}

interface Held {
  release: () => void;
  /** Settles if another holder steals the lock. */
  lost: Promise<void>;
}

/** Takes a lock and keeps it until released or stolen; null if `ifAvailable` and taken. */
function hold(name: string, options: LockOptions): Promise<Held | null> {
  return new Promise((resolve, reject) => {
    let lost!: () => void;
    const held: Held = { release: () => undefined, lost: new Promise((r) => (lost = r)) };
    let granted = false;
    navigator.locks
      .request(name, options, (lock) => {
        if (!lock) return resolve(null);
        granted = true;
        return new Promise<void>((release) => {
          held.release = release;
          resolve(held);
        });
      })
      // Rejected before it was granted: aborted. After: stolen (a lock released on purpose resolves).
      .catch((err: unknown) => (granted ? lost() : reject(err)));
  });
}
