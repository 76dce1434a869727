/**
 * When two copies are the same message, or the same edit. A sender's `id`/origin-id is not unique
 * (clients with counter ids repeat them after a restart), so it is never an identity on its own:
 *
 * 1. The same stanza-id stamped by our own server (XEP-0359, `by` = our bare JID; the archive's result
 *    id is the same id) is the same message: a stream resumption resend, the archive's copy.
 * 2. Otherwise copies are the same when conversation, direction, sender id and (original) text agree:
 *    a carbon, our own message before the archive saw it, or a sender resending after its connection
 *    dropped (its server stamps that copy anew). Two messages with one id and different texts are two.
 *    Two with one id and the same text cannot be told from a resend and are stored once.
 * 3. A retracted message has no text left to compare: a copy with its id is it, unless both carry
 *    different stanza-ids (then it is a new message that reuses the id).
 *
 * Edits (corrections, reactions) follow the same rule with their own stanza-id, id and effect.
 */
import { MAX_APPLIED, MAX_EDITS } from '../shared/limits.js';
import type { EditRef, MessageRecord } from '../shared/records.js';

/** The text a message was sent with: corrections keep it first in their history. */
function originalText(m: MessageRecord): string {
  return m.edits?.[0]?.body ?? m.body;
}

/** Whether `copy` (just received) is the stored message `stored`; both are of one conversation and direction. */
export function sameMessage(stored: MessageRecord, copy: MessageRecord): boolean {
  const stamped = !!stored.stanzaId && !!copy.stanzaId;
  if (stamped && stored.stanzaId === copy.stanzaId) return true;
  if (!copy.id || stored.id !== copy.id) return false;
  if (stored.retracted) return !stamped; // what was retracted must not come back
  return originalText(stored) === copy.body;
}

export function sameEdit(a: EditRef, b: EditRef): boolean {
  if (a.stanzaId && a.stanzaId === b.stanzaId) return true;
  return !!a.id && a.id === b.id && a.effect === b.effect;
}

/** `applied` with `ref` added, the oldest dropped past MAX_APPLIED. */
export function remember(applied: EditRef[] | undefined, ref: EditRef): EditRef[] {
  return [...(applied ?? []), ref].slice(-MAX_APPLIED);
}

/** `edits` with `earlier` added, keeping the first and the latest MAX_EDITS - 1. */
export function withEarlierText(edits: { body: string; ts: number }[] | undefined, earlier: { body: string; ts: number }): { body: string; ts: number }[] {
  const all = [...(edits ?? []), earlier];
  return all.length <= MAX_EDITS ? all : [all[0]!, ...all.slice(-(MAX_EDITS - 1))];
}

/**
 * A short fingerprint of a text (FNV-1a, twice with different offsets: 64 bits), so a remembered
 * edit does not keep a copy of what may be a long text. Not for security: it tells replays apart.
 */
export function textPrint(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}
