/** Entity Time (XEP-0202): our clock answered to whoever asks, a contact's local time asked for. */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { ContactTime } from '../shared/records.js';
import { formatOffset } from '../shared/time.js';
import type { Feature } from './feature.js';
import type { Plugin, PluginContext } from './plugin.js';
import { presenceOf } from '../storage/read.js';
import type { ParleyApi } from '../shared/api.js';

export const NS_TIME = 'urn:xmpp:time';

export const feature = {
  disco: [NS_TIME],
  api: (ctx) => ({
    // Asked of their most available resource, if its capabilities say it answers (XEP-0115); null
    // when they are offline, do not say so, or do not answer.
    async contactTime(jid) {
      const { time, caps } = ctx.online();
      const contact = ctx.contactJid(jid);
      const resource = (await presenceOf(ctx.db, contact))[0]?.resource;
      if (resource === undefined) return null;
      const full = `${contact}/${resource}`;
      return (await caps.features(full))?.has(NS_TIME) ? time.ask(full) : null;
    },
  }),
} satisfies Feature<Pick<ParleyApi, 'contactTime'>>;

/** `offset`: minutes east of UTC (the opposite sign of `Date#getTimezoneOffset`). */
export function buildTime(now: Date, offset = -now.getTimezoneOffset()): Element {
  return xml('time', { xmlns: NS_TIME }, xml('tzo', {}, formatOffset(offset)), xml('utc', {}, `${now.toISOString().slice(0, 19)}Z`));
}

const TZO = /^(?:Z|([+-])(\d{2}):(\d{2}))$/;
const UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

/** A `<time/>` answer; null when it is malformed (an offset past ±14 h, a clock that is not UTC). */
export function parseTime(el: Element | null | undefined): ContactTime | null {
  if (!el?.is('time', NS_TIME)) return null;
  const tzo = TZO.exec(el.getChildText('tzo')?.trim() ?? '');
  const utcText = el.getChildText('utc')?.trim() ?? '';
  const utc = UTC.test(utcText) ? Date.parse(utcText) : Number.NaN;
  if (!tzo || !Number.isFinite(utc)) return null;
  const offset = tzo[1] ? (tzo[1] === '-' ? -1 : 1) * (Number(tzo[2]) * 60 + Number(tzo[3])) : 0;
  if (Math.abs(offset) > 14 * 60 || Number(tzo[3] ?? 0) > 59) return null;
  return { utc, offset };
}

export interface EntityTimePlugin extends Plugin {
  /** The local time of a full JID; null when it does not answer with one. */
  ask(to: string): Promise<ContactTime | null>;
}

export function entityTime(ctx: PluginContext): EntityTimePlugin {
  ctx.xmpp.iqCallee.get(NS_TIME, 'time', () => buildTime(new Date()));
  return {
    async ask(to) {
      try {
        const answer = parseTime(await ctx.xmpp.iqCaller.get(xml('time', { xmlns: NS_TIME }), to));
        if (!answer) ctx.log('entity time: a malformed answer dropped', to);
        return answer;
      } catch (err) {
        ctx.log('entity time: no answer', { to, err: String(err) });
        return null;
      }
    },
  };
}
