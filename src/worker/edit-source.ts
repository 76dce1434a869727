/**
 * Where a correction (XEP-0308) or retraction (XEP-0424) comes from, and so which stored message it may
 * touch: a contact's edit touches only their own messages in their conversation; an edit of one of our
 * messages is only believed in a carbon our own account made (XEP-0280 §11), from one of our devices.
 */
import type { Element } from '@xmpp/xml';
import { bareJid } from '../shared/jid.js';
import type { Direction } from '../shared/records.js';
import type { EditOrigin, EditTarget } from '../storage/write.js';
import { MAX_ID } from './limits.js';
import { ownStanzaId } from './message.js';

const NS_CARBONS = 'urn:xmpp:carbons:2';
const NS_FORWARD = 'urn:xmpp:forward:0';

export class EditSourceError extends Error {
  override name = 'EditSourceError';
}

export interface EditSource {
  /** The message that carries the edit (the forwarded one for a carbon). */
  message: Element;
  /** The other party's bare JID. */
  conversation: string;
  /** Direction of the message it may edit: 'out' when the edit came from one of our devices. */
  direction: Direction;
  /** Bare JID the edited message must have been sent by. */
  sender: string;
}

/**
 * Unwraps a message to the one carrying an edit. Null when it is ours sent directly to ourselves or
 * has no sender. Throws EditSourceError for a carbon that must not be believed.
 */
export function editSource(el: Element, ownJid: string): EditSource | null {
  if (el.name !== 'message') return null;
  const wrappers = [...el.getChildren('received', NS_CARBONS), ...el.getChildren('sent', NS_CARBONS)];
  if (wrappers.length === 0) {
    const from = el.attrs.from;
    if (!from) return null;
    const conversation = bareJid(from);
    // Our own devices' edits only count as carbons, which our server vouches for.
    if (conversation === ownJid) return null;
    return { message: el, conversation, direction: 'in', sender: conversation };
  }
  const outer = el.attrs.from;
  if (!outer || outer.includes('/') || bareJid(outer) !== ownJid) throw new EditSourceError(`carbon from ${outer ?? 'nobody'} ignored`);
  if (wrappers.length > 1) throw new EditSourceError('carbon with more than one copy ignored');
  const wrapper = wrappers[0]!;
  const forwarded = wrapper.getChildren('forwarded', NS_FORWARD);
  if (forwarded.length !== 1) throw new EditSourceError('carbon without exactly one forwarded element ignored');
  const inner = forwarded[0]!.getChildren('message');
  if (inner.length !== 1) throw new EditSourceError('carbon without exactly one message ignored');
  const message = inner[0]!;
  const { from, to } = message.attrs;
  if (!from || !to) throw new EditSourceError('carbon of a message without sender or recipient ignored');
  if (wrapper.name === 'sent') {
    if (bareJid(from) !== ownJid) throw new EditSourceError(`sent carbon of a message from ${from} ignored`);
    const conversation = bareJid(to);
    return conversation === ownJid ? null : { message, conversation, direction: 'out', sender: ownJid };
  }
  if (bareJid(to) !== ownJid) throw new EditSourceError(`received carbon of a message to ${to} ignored`);
  const conversation = bareJid(from);
  return conversation === ownJid ? null : { message, conversation, direction: 'in', sender: conversation };
}

/** The stored message an edit naming `id` may touch: the sender's id, or our archive's id for it. */
export function editTargetOf(source: EditSource, id: string): EditTarget {
  return { conversation: source.conversation, direction: source.direction, id, stanzaId: id, sender: source.sender };
}

/**
 * The edit message itself as storage recognises a replay of it: our server's stanza-id on it (`by`
 * = our bare JID) and its sender's id.
 */
export function editOrigin(source: EditSource, ownJid: string): EditOrigin {
  const sid = ownStanzaId(source.message, ownJid)?.attrs.id;
  const id = source.message.attrs.id;
  return { ...(sid && sid.length <= MAX_ID ? { stanzaId: sid } : {}), ...(id && id.length <= MAX_ID ? { id } : {}) };
}
