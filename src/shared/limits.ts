/**
 * Every bound Parley puts on what others can make it hold or do, in one place (the table in
 * docs/limits.md). A hostile peer or server must not make storage, memory or the DOM grow without
 * end; each limit is well above what a person or an honest client produces. Modules enforce them by
 * importing from here, never by a number of their own.
 */

/** A stanza (one WebSocket frame) longer than this is dropped before any plugin sees it: above every
 * server's default (Prosody announces 262,144 bytes) and above a MAX_BODY message even when every
 * character is escaped. */
export const MAX_STANZA_CHARS = 512 * 1024;

/**
 * Elements nested deeper than this below the stanza are no XMPP anyone sends (a few levels are): the
 * stanza is dropped. A hostile one nested 30,000 deep fits in a server's frame limit, and serialising
 * it (xmpp.js's toString recurses) overflowed the worker's stack inside the parser, which then took
 * no more stanzas: the stream went dead.
 */
export const MAX_NESTING = 64;

/** An XML element as xmpp.js parses it (shared code takes no XML library). */
interface XmlNode {
  children: readonly (XmlNode | string)[];
  toString(): string;
}

/**
 * Whether a received stanza is nested deeper than MAX_NESTING or over MAX_STANZA_CHARS, measured as
 * the XML it was sent as. Depth is checked first, without recursion, so the text is only made of a
 * stanza that can be serialised.
 */
export function oversized(stanza: XmlNode): boolean {
  const pending: [XmlNode, number][] = [[stanza, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [el, depth] = next;
    if (depth > MAX_NESTING) return true;
    for (const child of el.children) if (typeof child !== 'string') pending.push([child, depth + 1]);
  }
  return stanza.toString().length > MAX_STANZA_CHARS;
}

/** Longer bodies are dropped (in) or refused (out): no chat message needs more, and storage is finite. */
export const MAX_BODY = 64 * 1024;

/** Longer ids are not ids a client would choose: ignored wherever a stanza names one. */
export const MAX_ID = 256;

/** Earlier texts kept per corrected message: the original (copies are recognised by it) and the latest others. */
export const MAX_EDITS = 10;

/** Edits remembered per message to recognise replays: a bound, so a record cannot grow without limit. */
export const MAX_APPLIED = 50;

/** At most this many different reactions per sender and message; the rest are ignored. */
export const MAX_REACTIONS = 10;

/** An emoji is one grapheme, but ZWJ sequences and tag flags run long; more code points is no emoji. */
export const MAX_EMOJI_POINTS = 16;

/**
 * Resources shown online per contact: a contact's server could announce thousands, each a stored
 * record and a change event. A person has a few devices; a new resource past this is ignored.
 */
export const MAX_PRESENCES_PER_CONTACT = 16;

/**
 * Conversations opened by people who are not in the roster (and are no room). Anyone who knows our
 * JID can write, from as many JIDs as a domain of theirs holds; past this, a message from yet another
 * stranger is dropped (one already talking can go on).
 */
export const MAX_STRANGER_CONVERSATIONS = 100;

/**
 * Styled pieces (spans, links, quotes, preformatted blocks) per body; the rest stays plain text. Each
 * becomes a few elements, and a hostile 64K body of "*a* *a* …" would otherwise make ~50,000.
 */
export const MAX_STYLED = 128;

/** Quotes nested deeper stay plain text ("> > …"): bounds recursion and work on hostile bodies. */
export const MAX_QUOTE_DEPTH = 8;

/** A presence status kept (and one we set): longer is cut. */
export const MAX_STATUS = 1024;


/** Nicknames (XEP-0172) longer than this are cut: a name, not a message. */
export const MAX_PROFILE_NICK = 64;

/** Room nicks longer than this are refused (out) or the occupant ignored (in): no person needs more. */
export const MAX_ROOM_NICK = 256;

/** Short free texts others set (reasons, subjects, room and bookmark names, passwords): longer is cut. */
export const MAX_SHORT_TEXT = 1024;

/** A vCard field longer than this is cut. */
export const MAX_VCARD_FIELD = 2000;

/** A data form (XEP-0004) with more fields is not a form a server means: it is dropped, not shown. */
export const MAX_FORM_FIELDS = 500;

/** A form's value or instructions longer than this are cut. */
export const MAX_FORM_TEXT = 10_000;

/** A push notification's text field longer than this is dropped (it travels through a push service). */
export const MAX_PUSH_FIELD = 4096;

/** A push endpoint URL longer than this is refused. */
export const MAX_PUSH_ENDPOINT = 2048;

/** Larger avatars are refused, announced or not. */
export const MAX_AVATAR_BYTES = 1024 * 1024;

/**
 * The largest image taken to crop: a big phone photo fits; anything larger is refused before it is
 * decoded, which would take the page's memory and time for a picture shown at 192 px.
 */
export const MAX_PICKED_BYTES = 20 * 1024 * 1024;

/** A JID longer than RFC 7622's three 1023-byte parts and two separators is no JID. */
export const MAX_JID = 3071;

/** A host-meta (XEP-0156) document larger than this is refused. */
export const MAX_HOST_META_BYTES = 64 * 1024;

/** More SCRAM iterations are more likely a hostile server trying to burn our CPU than real policy. */
export const MAX_SCRAM_ITERATIONS = 10_000_000;
