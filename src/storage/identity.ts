/**
 * When two copies are the same message, or the same edit. A sender's `id`/origin-id is not unique
 * (clients with counter ids repeat them after a restart), so it is never an identity on its own:
 *
 * 1. A stanza-id stamped by our own server (XEP-0359, `by` = our bare JID; the archive's result id
 *    is the same id) is the identity: two copies with such ids are the same exactly when the ids are.
 * 2. When one copy has none (a carbon, a server without an archive, our own message before the
 *    archive saw it), copies are the same when conversation, direction, sender id and text agree.
 *    So a replay (stream resumption resend, carbon + archive copy) collapses, while two messages with
 *    one id and different texts stay two. Two with one id and the same text, both without a
 *    stanza-id, cannot be told apart and are stored once.
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
  if (stored.stanzaId && copy.stanzaId) return stored.stanzaId === copy.stanzaId;
  if (!copy.id || stored.id !== copy.id) return false;
  // A retraction deleted the text to compare with; what was retracted must not come back.
  return stored.retracted === true || originalText(stored) === copy.body;
}

export function sameEdit(a: EditRef, b: EditRef): boolean {
  if (a.stanzaId && b.stanzaId) return a.stanzaId === b.stanzaId;
  return !!a.id && a.id === b.id && a.effect === b.effect;
}

/** Edits remembered per message to recognise replays: a bound, so a record cannot grow without limit. */
export const MAX_APPLIED = 50;

/** `applied` with `ref` added, the oldest dropped past MAX_APPLIED. */
export function remember(applied: EditRef[] | undefined, ref: EditRef): EditRef[] {
  return [...(applied ?? []), ref].slice(-MAX_APPLIED);
}
