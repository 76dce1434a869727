import type { Element } from '@xmpp/xml';
import type { XmppClient } from '@xmpp/client';
import type { Change } from '../shared/api.js';
import type { ParleyDb } from '../storage/db.js';
import type { AccountMessage, Envelope } from './envelope.js';
import type { JoinedRooms } from './joined-rooms.js';

/** What a protocol plugin gets from the session it runs in. */
export interface PluginContext {
  readonly xmpp: XmppClient;
  readonly db: ParleyDb;
  /** Own bare JID. */
  readonly jid: string;
  /** The rooms we are in (XEP-0045): the MUC plugin keeps it; the envelope stage and archive read it. */
  readonly rooms: JoinedRooms;
  /** Tells every page what a storage write changed. */
  commit(change: Change | null): void;
  log(message: string, detail?: unknown): void;
  /** Hands a message found in an archive to the plugins' `archived` hooks, in order. */
  archived(envelope: Envelope): Promise<void>;
}

/** One XEP or RFC feature. Each hook is optional; errors are caught and logged by the session. */
export interface Plugin {
  /** A presence stanza (messages come as envelopes; IQs through the iq callee a plugin registers). */
  stanza?(stanza: Element): Promise<void> | void;
  /** Instead of `stanza`: every presence that arrived while earlier stanzas were handled, in arrival order, at once. */
  presences?(batch: Element[]): Promise<void>;
  /** A live message or a carbon, unwrapped and vouched for by the envelope stage (envelope.ts). */
  envelope?(envelope: Envelope): Promise<void> | void;
  /**
   * Instead of `envelope`: every live message and carbon that arrived while earlier ones were
   * handled, in arrival order, at once (to store them in one transaction). Plugins added earlier
   * have handled the whole batch before; later ones handle it after.
   */
  envelopes?(batch: Envelope[]): Promise<void>;
  /** A message our own account's server sent (from exactly our bare JID), e.g. a PEP notification. */
  account?(message: AccountMessage): Promise<void> | void;
  /**
   * A message from an archive, after the page it came in was stored: for what changes stored
   * messages, like corrections, retractions and reactions.
   */
  archived?(envelope: Envelope): Promise<void> | void;
  /** A fresh session is bound (not called after a stream resumption). */
  online?(): Promise<void>;
  /**
   * The stream resumed (XEP-0198) after a drop. `restored`: this worker did not run the stream
   * before (a previous one left it), so nothing it sent is in xmpp.js's resend queue; `h` is how many
   * of the stream's stanzas the server says it handled.
   */
  resumed?(info: { restored: boolean; h: number }): Promise<void>;
  /** The connection dropped or ended. */
  offline?(): Promise<void>;
}

/** The plugin also applies what it handles live to messages met in the archive catch-up. */
export function alsoArchived<P extends Plugin>(plugin: P): P {
  return Object.assign(plugin, { archived: plugin.envelope });
}
