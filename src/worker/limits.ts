/** Longer ids are not ids a client would choose: ignored wherever a stanza names one. */
export const MAX_ID = 256;
