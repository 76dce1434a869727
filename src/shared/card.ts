import { isWebUrl } from './attachment.js';

/** A person's card (XEP-0292 vCard4, XEP-0054 vcard-temp), as plain text fields that cross to pages. */
export interface Card {
  fn?: string;
  nickname?: string;
  email?: string;
  tel?: string;
  note?: string;
  url?: string;
}

export const CARD_FIELDS = ['fn', 'nickname', 'email', 'tel', 'note', 'url'] as const satisfies readonly (keyof Card)[];

/** A card's URL as a link target only when it is http(s); anything else (javascript:, data:) is shown as text. */
export const safeLink = (url: string | undefined): string | null => (url && isWebUrl(url) ? new URL(url).href : null);
