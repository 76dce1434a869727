/** Bare JID (`local@domain`) of a full or bare JID, lower-cased where RFC 7622 folds case. */
export function bareJid(jid: string): string {
  const slash = jid.indexOf('/');
  const bare = slash === -1 ? jid : jid.slice(0, slash);
  return bare.toLowerCase();
}

/** Resource part of a full JID, '' for a bare JID. */
export function resourceOf(jid: string): string {
  const slash = jid.indexOf('/');
  return slash === -1 ? '' : jid.slice(slash + 1);
}

/** Loose check that a user-typed address has the `local@domain` shape before it reaches the server. */
export function isBareJid(jid: string): boolean {
  return /^[^@/\s"&'<>:]+@[^@/\s]+$/.test(jid);
}

/** A room's address as rooms send it: `room@service`, bare, already in lower case. */
export function isRoomJid(jid: string | undefined): jid is string {
  return !!jid && jid.length <= 3071 && isBareJid(jid) && bareJid(jid) === jid;
}
