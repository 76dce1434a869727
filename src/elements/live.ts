import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { abortedByFreeze, getAccount, listBlocked, listConversations, listRequests, listRooms, parley, readPeople, unreadOf, unreadTotal } from '../client/index.js';
import type { Change, Status } from '../shared/api.js';
import type { ChatStateNote } from '../shared/records.js';
import type { ParleyDb } from '../storage/db.js';

/**
 * Keeps the result of a read from IndexedDB current: runs it when the host connects and again
 * whenever the worker reports a change it cares about. `patch`, if given, may apply a change to the
 * value at once from what the change carries (see `Change.added`); the read that follows confirms it.
 */
export class LiveQuery<T> implements ReactiveController {
  value: T | undefined;
  /** The query has answered at least once (`value` may be undefined because nothing is stored). */
  loaded = false;
  private off: (() => void) | undefined;
  private running = false;
  private again = false;
  /** Changes patched in while a read ran: that read may predate them, so they are applied to it too. */
  private patchedDuring: Change[] = [];
  /** The page thawed: a read may have been aborted as it froze (client/freeze.ts). */
  private readonly resume = () => void this.refresh();

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly query: (db: ParleyDb) => Promise<T>,
    private readonly relevant: (change: Change) => boolean,
    private readonly patch?: (value: T, change: Change) => T | undefined,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    countChanges();
    this.off = parley().on((e) => {
      if (e.type !== 'change' || !this.relevant(e.change)) return;
      const patched = this.loaded && this.value !== undefined ? this.patch?.(this.value, e.change) : undefined;
      if (patched !== undefined) {
        this.value = patched;
        if (this.running) this.patchedDuring.push(e.change);
        this.host.requestUpdate();
      }
      void this.refresh();
    });
    document.addEventListener('resume', this.resume);
    void this.refresh();
  }

  hostDisconnected(): void {
    this.off?.();
    document.removeEventListener('resume', this.resume);
  }

  /**
   * Reads again; calls made while a read runs collapse into one more read, which waits as long as the
   * last read and render took: a burst of changes (300 contacts coming online) re-reads a list of
   * thousands a few times, not once per change, and leaves the page at least half its time.
   */
  async refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      for (;;) {
        this.again = false;
        const started = performance.now();
        this.patchedDuring = [];
        let value: T = await this.query(await parley().db);
        // Whatever was read meanwhile (an edit announced before) shows now, with the patches on top
        // (a patch that no longer applies was in the read already); the next read (asked) confirms.
        for (const change of this.patchedDuring) value = this.patch?.(value, change) ?? value;
        this.value = value;
        this.loaded = true;
        this.host.requestUpdate();
        if (!this.again) break;
        await this.host.updateComplete;
        await new Promise((resume) => setTimeout(resume, performance.now() - started));
      }
    } catch (err) {
      if (!abortedByFreeze(err)) throw err;
    } finally {
      this.running = false;
    }
  }
}

/** Change events this page has heard: a read started since the last one sees everything they told. */
let changesHeard = 0;
let counting = false;

/** Counts change events, heard before any LiveQuery hears them (the first listener). */
function countChanges(): void {
  if (counting) return;
  counting = true;
  parley().on((e) => {
    if (e.type === 'change') changesHeard++;
  });
}

/**
 * `query` with its reads shared: elements that ask for the same thing (the same arguments) together
 * (every one at page start, or all that one change concerns) get one read, not one each (a roster of
 * thousands read and decoded four times over). The last read is given, running or done, until the
 * next change event is heard: a read asked for after that starts afresh. One that failed is not
 * given again.
 */
export function shared<A extends unknown[], T>(query: (db: ParleyDb, ...args: A) => Promise<T>): (db: ParleyDb, ...args: A) => Promise<T> {
  let last: { db: ParleyDb; key: string; heard: number; read: Promise<T> } | undefined;
  return (db, ...args) => {
    countChanges();
    const key = JSON.stringify(args);
    if (last?.db === db && last.key === key && last.heard === changesHeard) return last.read;
    const mine = { db, key, heard: changesHeard, read: query(db, ...args) };
    last = mine;
    mine.read.catch(() => {
      if (last === mine) last = undefined;
    });
    return mine.read;
  };
}

const people = shared(readPeople);
const conversations = shared(listConversations);

/**
 * The reads several elements make, shared (their results are only read, never changed). The roster
 * and the nicknames are read once for the list, the names and the requests; the conversations once
 * for the list and the unread counts.
 */
export const reads = {
  account: shared(getAccount),
  rooms: shared(listRooms),
  blocked: shared(listBlocked),
  conversations,
  contacts: async (db: ParleyDb) => (await people(db)).contacts,
  names: async (db: ParleyDb) => (await people(db)).names,
  requests: (db: ParleyDb) => listRequests(db, people),
  unread: async (db: ParleyDb) => unreadOf(await conversations(db)),
  totalUnread: async (db: ParleyDb) => unreadTotal(await conversations(db)),
};

export const touches = (...stores: string[]) => (change: Change) => change.stores.some((s) => stores.includes(s));

/** The worker's connection status; undefined until the worker first answers. */
export class StatusController implements ReactiveController {
  value: Status | undefined;
  private off: (() => void) | undefined;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected(): void {
    const p = parley();
    this.off = p.on((e) => {
      if (e.type === 'status') this.set(e.status);
    });
    void p.api.status().then((s) => this.value ?? this.set(s));
  }

  hostDisconnected(): void {
    this.off?.();
  }

  private set(status: Status): void {
    this.value = status;
    this.host.requestUpdate();
  }
}

/**
 * Contacts' chat states (XEP-0085), which the worker keeps in memory: the current ones when the
 * host connects, then each change as the worker announces it.
 */
export class ChatStateController implements ReactiveController {
  private readonly notes = new Map<string, ChatStateNote>();
  private off: (() => void) | undefined;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  get(jid: string): ChatStateNote | undefined {
    return this.notes.get(jid);
  }

  hostConnected(): void {
    const p = parley();
    let heard = false;
    this.off = p.on((e) => {
      if (e.type !== 'chatState') return;
      heard = true;
      this.notes.set(e.jid, e.note);
      this.host.requestUpdate();
    });
    void p.api.chatStates().then((all) => {
      // An event heard meanwhile is newer than this answer for its contact.
      for (const [jid, note] of Object.entries(all)) if (!heard || !this.notes.has(jid)) this.notes.set(jid, note);
      this.host.requestUpdate();
    }, () => undefined);
  }

  hostDisconnected(): void {
    this.off?.();
  }
}
