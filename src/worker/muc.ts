/**
 * Multi-User Chat (XEP-0045): joining and leaving rooms, their occupants and subject, nick changes,
 * roles and affiliations, configuration, destruction; every room we are in is joined again in a new
 * session (not after a stream resumption, where the server kept us in), and XEP-0410 self-pings find
 * a room that silently lost us. Stanzas are built and parsed in muc-stanzas.ts.
 *
 * Rooms are stored (they outlive sessions); occupants are stored too, though transient like contacts'
 * presence, so pages render the list from storage; they are cleared for a room we leave and for all
 * when a new session starts, and written in batches (rooms have thousands).
 */
import type { Element } from '@xmpp/xml';
import { bareJid, isBareJid } from '../shared/jid.js';
import type { JoinResult, ParleyApi, RoomListing } from '../shared/api.js';
import { buildSubmit, parseForm } from '../shared/forms.js';
import type { Affiliation, MessageRecord, OccupantRecord, Role, RoomRecord } from '../shared/records.js';
import { applyOccupants, clearOccupants, putRoom, removeRoom, updateRoom } from '../storage/rooms.js';
import { storeMessages } from '../storage/write.js';
import type { MamPlugin } from './mam.js';
import { chatRecord, type MessagePlugin } from './message.js';
import { roomEnvelope, type RoomMessages } from './mucsub.js';
import {
  buildAdmin, buildConfigRequest, buildConfigSubmit, buildDestroy, buildDiscoInfo, buildDiscoItems, buildJoin, buildLeave,
  buildNickChange, buildSelfPing, buildSubject, configChanged, fillForm, joinFailure, parseConfigForm, parseOccupant, parseRoomInfo,
  parseRoomItems, parseSubject, removalReason, selfPingVerdict, type OccupantPresence,
} from './muc-stanzas.js';
import type { OutboxPlugin } from './outbox.js';
import type { Plugin, PluginContext } from './plugin.js';
import { oneOf, type Feature } from './feature.js';
import { MAX_ROOM_NICK, MAX_SHORT_TEXT } from '../shared/limits.js';

export type { JoinResult, RoomListing };

/** A room that has said nothing for this long is asked whether it still has us (XEP-0410). */
export const SELF_PING_IDLE_MS = 5 * 60_000;
const JOIN_TIMEOUT_MS = 30_000;

/** Also where room messages that come other than live from a room we are in go (MUC-Sub): `received`. */
export interface MucPlugin extends Plugin, RoomMessages {
  /** One join per room at a time: a second for a room being entered under the same nick gets the first's answer. */
  join(room: string, nick: string, options?: { password?: string }): Promise<JoinResult>;
  leave(room: string): Promise<void>;
  /** The rooms we are in now. */
  joined(): string[];
  /** Tells `listener` of each room we cannot come back to: we were banned, or it was destroyed. */
  onShutOut(listener: (room: string) => void): void;
  /** The room's configuration form (XEP-0004 `x`), for its owner. */
  configure(room: string): Promise<Element>;
  /** Submits a configuration form (`x` of jabber:x:data; sent as type submit). */
  submitConfig(room: string, form: Element): Promise<void>;
  /** The room's form with `values` (by field var) in place of its defaults, submitted. */
  configureWith(room: string, values: Record<string, string[]>): Promise<void>;
  send(room: string, body: string, id?: string): Promise<string>;
  setSubject(room: string, subject: string): Promise<void>;
  changeNick(room: string, nick: string): Promise<void>;
  setRole(room: string, nick: string, role: Role, reason?: string): Promise<void>;
  setAffiliation(room: string, jid: string, affiliation: Affiliation, reason?: string): Promise<void>;
  destroy(room: string, reason?: string): Promise<void>;
  /** Rooms a conference service lists, with names and (where rooms tell) occupant counts. */
  discover(service: string): Promise<RoomListing[]>;
  /** Self-pings every room we are in (XEP-0410) and joins again those that lost us; not again within `notWithin` ms. */
  checkRooms(notWithin?: number): Promise<void>;
}

/** A join waiting for the room's answer. */
interface PendingJoin {
  nick: string;
  resolve(result: JoinResult): void;
}

export function muc(ctx: PluginContext, messages: MessagePlugin, mam: MamPlugin, outbox: OutboxPlugin): MucPlugin {
  const pending = new Map<string, PendingJoin>();
  /** Joins under way, by room: asked twice (a bookmark's autojoin and the rejoin at login), the room is entered once. */
  const entering = new Map<string, { nick: string; result: Promise<JoinResult> }>();
  /** Rooms we asked to leave: their unavailable presence is expected. */
  const leaving = new Set<string>();
  /** When each room last sent us something: a quiet room gets a self-ping. */
  const heard = new Map<string, number>();
  let occupantBatch: { occupant: OccupantRecord; gone: boolean }[] = [];
  let occupantTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;

  /** Occupant presences that came in one burst are written together. */
  async function flushOccupants(): Promise<void> {
    clearTimeout(occupantTimer);
    occupantTimer = undefined;
    const batch = occupantBatch;
    occupantBatch = [];
    ctx.commit(await applyOccupants(ctx.db, batch));
  }
  const queueOccupant = (occupant: OccupantRecord, gone: boolean) => {
    occupantBatch.push({ occupant, gone });
    occupantTimer ??= setTimeout(() => void flushOccupants().catch((e) => ctx.log('occupants not stored', e)), 0);
  };

  function roomJid(room: string): string {
    const jid = bareJid(room.trim());
    if (!isBareJid(jid)) throw new Error(`"${room}" is not a room address (room@conference.example.org).`);
    return jid;
  }
  function validNick(nick: string): string {
    const n = nick.trim();
    if (!n || n.length > MAX_ROOM_NICK) throw new Error(`Choose a nickname (at most ${MAX_ROOM_NICK} characters).`);
    return n;
  }
  const request = (el: Element) => ctx.xmpp.iqCaller.request(el);

  /** We are in: the room's archive catches up first, then what waits in the outbox for it goes. */
  async function entered(room: string, self: OccupantPresence, created: boolean): Promise<void> {
    ctx.rooms.set(room, { nick: self.nick, ...(self.occupantId ? { occupantId: self.occupantId } : {}) });
    const record = await ctx.db.get('rooms', room);
    if (record) {
      const { reason: _was, occupantId: _old, ...rest } = record;
      const occupantId = self.occupantId ? { occupantId: self.occupantId } : {};
      ctx.commit(await putRoom(ctx.db, { ...rest, nick: self.nick, state: 'joined', role: self.role, affiliation: self.affiliation, ...occupantId }));
    }
    const join = pending.get(room);
    pending.delete(room);
    join?.resolve({ status: 'joined', nick: self.nick, created });
    // The room's name, for the conversation list (a new room gets it once configured: ask again then).
    askName(room);
    void mam.catchUpRoom(room).then(() => {
      const joined = ctx.rooms.get(room);
      if (joined) ctx.rooms.set(room, { ...joined, synced: true });
      return outbox.flush();
    });
  }

  function askName(room: string): void {
    void request(buildDiscoInfo(room))
      .then(async (answer) => {
        const { name } = parseRoomInfo(answer);
        if (name) ctx.commit(await updateRoom(ctx.db, room, { name }));
      })
      .catch((err) => ctx.log('room name not known', err));
  }

  const shutOut = new Set<(room: string) => void>();

  /** We are out, not by our own choice (kicked, banned, destroyed…), or we left. */
  async function gone(room: string, reason: string | undefined): Promise<void> {
    ctx.rooms.delete(room);
    heard.delete(room);
    await flushOccupants();
    if (leaving.delete(room) || !reason) {
      ctx.commit(await removeRoom(ctx.db, room));
      return;
    }
    ctx.commit(await clearOccupants(ctx.db, room));
    ctx.commit(await updateRoom(ctx.db, room, { state: 'out', reason }));
  }

  async function occupantPresence(presence: OccupantPresence): Promise<void> {
    const room = presence.room;
    const joined = ctx.rooms.get(room);
    heard.set(room, Date.now());
    // Status 110 says it is us; some rooms leave it out (ejabberd, when destroying): our nick is ours too.
    const p = { ...presence, self: presence.self || (!!joined && !pending.has(room) && presence.nick === joined.nick) };
    if (p.self && p.available) {
      // The room's answer to our join, or our presence under a new nick.
      if (pending.has(room) || !joined) await entered(room, p, p.codes.includes('201'));
      else if (joined.nick !== p.nick) {
        ctx.rooms.set(room, { ...joined, nick: p.nick });
        ctx.commit(await updateRoom(ctx.db, room, { nick: p.nick }));
      }
    }
    if (p.self && !p.available) {
      if (p.newNick) {
        // 303: we changed nick; our presence under the new one follows.
        if (joined) ctx.rooms.set(room, { ...joined, nick: p.newNick });
        ctx.commit(await updateRoom(ctx.db, room, { nick: p.newNick }));
      } else {
        await gone(room, removalReason(p));
        if (p.destroyed || p.codes.includes('301')) for (const listener of shutOut) listener(room);
        return;
      }
    }
    const record: OccupantRecord = {
      room, nick: p.nick, role: p.role, affiliation: p.affiliation,
      ...(p.jid ? { jid: p.jid } : {}), ...(p.occupantId ? { occupantId: p.occupantId } : {}), ...(p.show ? { show: p.show } : {}),
    };
    queueOccupant(record, !p.available);
    if (p.self && p.available) ctx.commit(await updateRoom(ctx.db, room, { role: p.role, affiliation: p.affiliation }));
  }

  async function send(stanza: Element): Promise<void> {
    await ctx.xmpp.send(stanza);
  }

  /** Joins `room`: resolves with the room's answer (or a timeout); a join under way under the same nick is shared. */
  function enter(room: string, nick: string, password?: string): Promise<JoinResult> {
    const current = entering.get(room);
    if (current?.nick === nick) return current.result;
    const result = presenceJoin(room, nick, password);
    entering.set(room, { nick, result });
    void result.finally(() => entering.get(room)?.result === result && entering.delete(room));
    return result;
  }

  function presenceJoin(room: string, nick: string, password?: string): Promise<JoinResult> {
    pending.get(room)?.resolve({ status: 'error', text: 'another join to this room started' });
    // From now on the room's messages are believed (the envelope stage): we asked to be in it.
    if (!ctx.rooms.get(room)) ctx.rooms.set(room, { nick });
    return new Promise<JoinResult>((resolve) => {
      const timer = setTimeout(() => {
        if (pending.get(room)?.resolve !== done) return;
        pending.delete(room);
        resolve({ status: 'error', text: 'The room did not answer.' });
      }, JOIN_TIMEOUT_MS);
      const done = (result: JoinResult) => {
        clearTimeout(timer);
        resolve(result);
      };
      pending.set(room, { nick, resolve: done });
      send(buildJoin(room, nick, password)).catch((err) => done({ status: 'error', text: String(err) }));
    });
  }

  async function rejoin(record: RoomRecord): Promise<void> {
    const result = await enter(record.jid, record.nick, record.password);
    if (result.status !== 'joined') {
      ctx.rooms.delete(record.jid);
      ctx.commit(await updateRoom(ctx.db, record.jid, { state: 'out', reason: `Could not join again (${result.status})` }));
    }
  }

  let lastCheck = -Infinity;
  async function checkRooms(notWithin = 0): Promise<void> {
    if (ctx.xmpp.status !== 'online' || Date.now() - lastCheck < notWithin) return;
    lastCheck = Date.now();
    await Promise.all(
      ctx.rooms.list().map(async (room) => {
        const joined = ctx.rooms.get(room);
        if (!joined || pending.has(room)) return;
        let condition: string | undefined;
        try {
          await request(buildSelfPing(room, joined.nick));
        } catch (err) {
          condition = (err as { condition?: string }).condition ?? 'timeout';
        }
        heard.set(room, Date.now());
        if (selfPingVerdict(condition) !== 'out') return;
        ctx.log('self-ping: the room lost us, joining again', room);
        const record = await ctx.db.get('rooms', room);
        if (record) await rejoin(record);
      }),
    );
  }

  return {
    async stanza(el) {
      if (el.name !== 'presence' || !el.attrs.from) return;
      const room = bareJid(el.attrs.from);
      if (el.attrs.type === 'error') {
        const join = pending.get(room);
        if (!join) return;
        pending.delete(room);
        if (!ctx.rooms.get(room)?.synced) ctx.rooms.delete(room);
        const failure = joinFailure(el, join.nick);
        join.resolve(failure);
        return;
      }
      const p = parseOccupant(el);
      if (!p) return;
      // Only a room we are in (or entering) speaks of its occupants; anyone else's claim is dropped.
      if (!ctx.rooms.get(room) && !pending.has(room)) return ctx.log('occupant presence from a room we are not in ignored', el.attrs.from);
      await occupantPresence(p);
    },

    async envelope(env) {
      if (!env.room) return;
      heard.set(env.conversation, Date.now());
      const subject = parseSubject(env.message);
      if (subject) ctx.commit(await updateRoom(ctx.db, env.conversation, { subject: subject.subject, subjectBy: subject.by }));
      // The room itself says its configuration changed (status 104): its name may have.
      if (env.sender === env.conversation && configChanged(env.message)) askName(env.conversation);
    },

    async received(batch) {
      const records: MessageRecord[] = [];
      const stamped = new Set<MessageRecord>();
      const envelopes = [];
      for (const m of batch) {
        const env = roomEnvelope(m, ctx.rooms.get(m.room), ctx.jid);
        envelopes.push(env);
        const subject = parseSubject(env.message);
        if (subject) ctx.commit(await updateRoom(ctx.db, m.room, { subject: subject.subject, subjectBy: subject.by }));
        try {
          const record = chatRecord(env, ctx.rooms.get(m.room)?.nick ?? m.nick);
          if (record) records.push(record);
          if (record && env.delay) stamped.add(record);
        } catch (err) {
          ctx.log('room message dropped', err);
        }
      }
      // Stored once each, whichever way they came (the room's archive id is their identity).
      if (records.length) ctx.commit(await storeMessages(ctx.db, records, { coarse: (r) => stamped.has(r) }));
      for (const env of envelopes) await ctx.archived(env);
    },

    async online() {
      // A new session: the server has forgotten us in every room. Join again those we were in.
      ctx.rooms.clear();
      heard.clear();
      ctx.commit(await clearOccupants(ctx.db));
      const rooms = (await ctx.db.getAll('rooms')).filter((r) => r.state !== 'out');
      for (const record of rooms) void rejoin(record).catch((e) => ctx.log('rejoin failed', e));
      clearInterval(pingTimer);
      pingTimer = setInterval(() => {
        const quiet = ctx.rooms.list().some((room) => Date.now() - (heard.get(room) ?? 0) > SELF_PING_IDLE_MS);
        if (quiet) void checkRooms();
      }, SELF_PING_IDLE_MS / 5);
    },

    async resumed({ restored }) {
      // The server kept us in our rooms. A worker that takes over a stream learns which from storage,
      // and asks each room whether that is still so.
      if (!restored) return;
      for (const r of await ctx.db.getAll('rooms')) {
        if (r.state === 'joined') ctx.rooms.set(r.jid, { nick: r.nick, synced: true, ...(r.occupantId ? { occupantId: r.occupantId } : {}) });
      }
      void checkRooms();
    },

    async offline() {
      clearInterval(pingTimer);
      pingTimer = undefined;
    },

    async join(room, nick, options = {}) {
      const jid = roomJid(room);
      const name = validNick(nick);
      const existing = await ctx.db.get('rooms', jid);
      if (ctx.rooms.get(jid)?.synced && existing?.state === 'joined') return { status: 'joined', nick: existing.nick, created: false };
      ctx.commit(await putRoom(ctx.db, { ...existing, jid, nick: name, state: 'joining', ...(options.password ? { password: options.password } : {}) }));
      const result = await enter(jid, name, options.password);
      if (result.status !== 'joined') {
        // A room we receive through MUC-Sub stays in the list as it was.
        const back = existing?.state === 'joined' ? updateRoom(ctx.db, jid, { state: 'out', reason: result.status }) : existing?.subscribed ? putRoom(ctx.db, existing) : removeRoom(ctx.db, jid);
        ctx.commit(await back);
      }
      return result;
    },

    async leave(room) {
      const jid = roomJid(room);
      const joined = ctx.rooms.get(jid);
      if (!joined) {
        ctx.commit(await removeRoom(ctx.db, jid));
        return;
      }
      leaving.add(jid);
      await send(buildLeave(jid, joined.nick));
    },

    joined: () => ctx.rooms.list(),
    onShutOut: (listener) => void shutOut.add(listener),

    async configure(room) {
      const form = parseConfigForm(await request(buildConfigRequest(roomJid(room))));
      if (!form) throw new Error('The room sent no configuration form.');
      return form;
    },

    async submitConfig(room, form) {
      const jid = roomJid(room);
      await request(buildConfigSubmit(jid, form));
      askName(jid);
    },

    async configureWith(room, values) {
      const jid = roomJid(room);
      const form = parseConfigForm(await request(buildConfigRequest(jid)));
      if (!form) throw new Error('The room sent no configuration form.');
      await request(buildConfigSubmit(jid, fillForm(form, values)));
      const name = values['muc#roomconfig_roomname']?.[0]?.trim().slice(0, MAX_SHORT_TEXT);
      if (name) ctx.commit(await updateRoom(ctx.db, jid, { name }));
    },

    async send(room, body, id) {
      const jid = roomJid(room);
      const record = await ctx.db.get('rooms', jid);
      if (!record || record.state === 'out') throw new Error('You are not in this room.');
      return messages.send(jid, body, { room: { nick: record.nick }, ...(id ? { id } : {}) });
    },

    async setSubject(room, subject) {
      await send(buildSubject(roomJid(room), subject.slice(0, MAX_SHORT_TEXT)));
    },

    async changeNick(room, nick) {
      const jid = roomJid(room);
      if (!ctx.rooms.get(jid)) throw new Error('You are not in this room.');
      await send(buildNickChange(jid, validNick(nick)));
    },

    async setRole(room, nick, role, reason) {
      await request(buildAdmin(roomJid(room), { nick: validNick(nick), role }, reason?.slice(0, MAX_SHORT_TEXT)));
    },

    async setAffiliation(room, jid, affiliation, reason) {
      await request(buildAdmin(roomJid(room), { jid: bareJid(jid), affiliation }, reason?.slice(0, MAX_SHORT_TEXT)));
    },

    async destroy(room, reason) {
      const jid = roomJid(room);
      leaving.add(jid);
      await request(buildDestroy(jid, reason?.slice(0, MAX_SHORT_TEXT)));
    },

    async discover(service) {
      const rooms = parseRoomItems(await request(buildDiscoItems(service.trim())));
      // Counts are asked of each room; a room that does not answer is listed without one.
      return Promise.all(
        rooms.slice(0, 200).map(async (r) => {
          const info = await request(buildDiscoInfo(r.jid)).then(parseRoomInfo, () => ({}));
          // The room's own name over the listing's (ejabberd adds the occupant count to it).
          return { ...r, ...info };
        }),
      );
    },

    checkRooms,
  };
}

export const feature = {
  api: (ctx) => ({
    // Joined and left by the user: through `rooms`, which bookmarks them (bookmarks.ts).
    joinRoom: (room, nick, password) => ctx.online().rooms.join(ctx.contactJid(room), nick, password ? { password } : {}),
    async createRoom(room, nick, config) {
      const { muc, rooms } = ctx.online();
      const result = await rooms.join(ctx.contactJid(room), nick);
      // A new room stays locked until its owner submits a configuration (XEP-0045 §10.1).
      if (result.status === 'joined' && result.created) await muc.configureWith(room, config ?? {});
      return result;
    },
    async leaveRoom(room) {
      const { rooms, mucsub } = ctx.online();
      const jid = ctx.contactJid(room);
      await rooms.leave(jid);
      // For good: a room received through MUC-Sub stops coming too.
      if (mucsub.isSubscribed(jid)) await mucsub.unsubscribe(jid);
    },
    configureRoom: (room, config) => ctx.online().muc.configureWith(room, config),
    async roomConfig(room) {
      const form = parseForm(await ctx.online().muc.configure(room));
      if (!form) throw new Error('The room sent a configuration form Parley cannot read.');
      return form;
    },
    async submitRoomConfig(room, values) {
      const { muc } = ctx.online();
      // Answered against the form the room gives now, so only its fields go back.
      const form = parseForm(await muc.configure(room));
      if (!form) throw new Error('The room sent a configuration form Parley cannot read.');
      await muc.submitConfig(room, buildSubmit(form, values));
    },
    setSubject: (room, subject) => ctx.online().muc.setSubject(room, String(subject)),
    changeNick: (room, nick) => ctx.online().muc.changeNick(room, String(nick)),
    setRole: (room, nick, role, reason) => ctx.online().muc.setRole(room, String(nick), oneOf(role, ['moderator', 'participant', 'visitor', 'none']), reason),
    setAffiliation: (room, jid, affiliation, reason) =>
      ctx.online().muc.setAffiliation(room, ctx.contactJid(jid), oneOf(affiliation, ['owner', 'admin', 'member', 'outcast', 'none']), reason),
    async destroyRoom(room, reason) {
      const { muc, bookmarks } = ctx.online();
      await muc.destroy(room, reason);
      // Else the next login's autojoin would create it again.
      await bookmarks.forget(ctx.contactJid(room));
    },
    discoverRooms: (service) => {
      const { muc } = ctx.online();
      const jid = ctx.account() ?? '';
      return muc.discover(service?.trim() || `conference.${jid.slice(jid.indexOf('@') + 1)}`);
    },
  }),
} satisfies Feature<Pick<ParleyApi, 'joinRoom' | 'createRoom' | 'leaveRoom' | 'configureRoom' | 'roomConfig' | 'submitRoomConfig' | 'setSubject' | 'changeNick' | 'setRole' | 'setAffiliation' | 'destroyRoom' | 'discoverRooms'>>;
