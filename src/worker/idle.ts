/**
 * Last User Interaction in Presence (XEP-0319): our presence says since when the user has been away
 * from every page; a contact's says since when they were, and their last unavailable presence says
 * when they were last seen.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { Feature } from './feature.js';

export const NS_IDLE = 'urn:xmpp:idle:1';

export const feature: Feature = { disco: [NS_IDLE] };

export const buildIdle = (since: number): Element => xml('idle', { xmlns: NS_IDLE, since: `${new Date(since).toISOString().slice(0, 19)}Z` });

const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * The `since` of a presence's `<idle/>`; undefined without one or when malformed. A time ahead of
 * `now` (a contact's clock runs fast) is taken as now: "idle since" never lies in the future.
 */
export function parseIdle(presence: Element, now = Date.now()): number | undefined {
  const since = presence.getChild('idle', NS_IDLE)?.attrs.since as string | undefined;
  if (!since || !STAMP.test(since)) return undefined;
  const ts = Date.parse(since);
  return Number.isFinite(ts) ? Math.min(ts, now) : undefined;
}
