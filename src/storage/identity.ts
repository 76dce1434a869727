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

/** Edits remembered per message to recognise replays: a bound, so a record cannot grow without limit. */
export const MAX_APPLIED = 50;

/** `applied` with `ref` added, the oldest dropped past MAX_APPLIED. */
export function remember(applied: EditRef[] | undefined, ref: EditRef): EditRef[] {
  return [...(applied ?? []), ref].slice(-MAX_APPLIED);
}
