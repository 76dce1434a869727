/**
 * Which stored message an edit (XEP-0308 correction, XEP-0424 retraction, XEP-0444 reactions) may
 * touch: one its envelope's sender wrote, in the envelope's conversation. The envelope stage
 * (envelope.ts) decided who the sender is: a contact directly, or we from another device in a
 * carbon or our archive, which our own server vouches for.
 */
import type { EditOrigin, EditTarget } from '../storage/write.js';
import type { Envelope } from './envelope.js';
import { MAX_ID } from '../shared/limits.js';

/** The stored message an edit naming `id` may touch: the sender's id, or our archive's id for it. */
export function editTargetOf(env: Envelope, id: string): EditTarget {
  return { conversation: env.conversation, direction: env.direction, id, stanzaId: id, sender: env.sender };
}

/** The edit message itself as storage recognises a replay of it: its archive id and its sender's id. */
export function editOrigin(env: Envelope): EditOrigin {
  const sid = env.archive?.id;
  const id = env.message.attrs.id;
  return { ...(sid && sid.length <= MAX_ID ? { stanzaId: sid } : {}), ...(id && id.length <= MAX_ID ? { id } : {}) };
}
