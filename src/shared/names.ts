/** What a person is called on screen: the name the user gave them, else their own nickname, else the local part. */

/** The part of a JID before `@` (the domain for a JID without one). */
export const localPart = (jid: string): string => (jid.includes('@') ? jid.slice(0, jid.indexOf('@')) : jid);

export function displayName(jid: string, { name, nick }: { name?: string; nick?: string } = {}): string {
  return name || nick || localPart(jid);
}
