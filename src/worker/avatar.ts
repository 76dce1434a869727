/**
 * User Avatar (XEP-0084): contacts' avatars from their PEP metadata node (notifications, wanted
 * through `+notify`), the image fetched by its id from their data node; vCard-based avatars
 * (XEP-0153: a photo hash in presence, the image from their vcard-temp) where they publish none, which
 * is also what a server offering XEP-0398 announces for 0084 avatars. Every image is checked before it
 * is stored or shown: its SHA-1 must be the id it was announced with, it must be an image (by its
 * bytes, not its label) and no larger than MAX_AVATAR_BYTES.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { bareJid } from '../shared/jid.js';
import { hasAvatar, putAvatar, setAvatarOf } from '../storage/avatars.js';
import type { Feature } from './feature.js';
import type { Plugin, PluginContext } from './plugin.js';
import { buildPublish, NS_PUBSUB, parseEvent, type PubSubPlugin } from './pubsub.js';
import type { ParleyApi } from '../shared/api.js';
import { MAX_AVATAR_BYTES } from '../shared/limits.js';

export const NS_AVATAR_META = 'urn:xmpp:avatar:metadata';
export const NS_AVATAR_DATA = 'urn:xmpp:avatar:data';
export const NS_VCARD_UPDATE = 'vcard-temp:x:update';
export const NS_VCARD_TEMP = 'vcard-temp';
export const feature = {
  notify: [NS_AVATAR_META],
  api: (ctx) => ({
    setAvatar: (image, size) => ctx.online().avatars.publish(new Uint8Array(image), size),
  }),
} satisfies Feature<Pick<ParleyApi, 'setAvatar'>>;

/** What a metadata item announces: the image's id (its SHA-1, hex) and its size. */
export interface AvatarInfo {
  id: string;
  bytes: number;
}

const HASH = /^[0-9a-f]{40}$/;

/**
 * The avatar a metadata node's `<items/>` announces: its `<info/>` (the PNG one where there are
 * several), null when it was disabled (empty `<metadata/>`), undefined when the items are not metadata
 * or announce nothing usable.
 */
export function parseMetadata(items: Element | null | undefined): AvatarInfo | null | undefined {
  if (items?.attrs.node !== NS_AVATAR_META) return undefined;
  const metadata = items.getChildren('item').at(-1)?.getChild('metadata', NS_AVATAR_META);
  if (!metadata) return undefined;
  const infos = metadata.getChildren('info').filter((i) => !i.attrs.url);
  if (!infos.length) return null;
  const info = infos.find((i) => i.attrs.type === 'image/png') ?? infos[0]!;
  const id = String(info.attrs.id ?? '').toLowerCase();
  const bytes = Number(info.attrs.bytes);
  return HASH.test(id) && Number.isSafeInteger(bytes) && bytes > 0 ? { id, bytes } : undefined;
}

/** XEP-0153: the photo hash a presence carries, null for "no avatar", undefined when it says nothing. */
export function parsePhotoHash(presence: Element): string | null | undefined {
  const photo = presence.getChild('x', NS_VCARD_UPDATE)?.getChild('photo');
  if (!photo) return undefined;
  const hash = photo.text().trim().toLowerCase();
  if (!hash) return null;
  return HASH.test(hash) ? hash : undefined;
}

/** The image type its first bytes show (PNG, JPEG, GIF, WebP), or null: a label is not believed. */
export function imageType(data: Uint8Array): string | null {
  const starts = (...b: number[]) => b.every((x, i) => data[i] === x);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && String.fromCharCode(...data.subarray(8, 12)) === 'WEBP') return 'image/webp';
  return null;
}

export async function sha1Hex(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', data as Uint8Array<ArrayBuffer>));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Base64 text (whitespace allowed) to bytes; null when it is not base64 or decodes to more than the limit. */
export function decodeBase64(text: string): Uint8Array | null {
  const clean = text.replace(/\s+/g, '');
  if (clean.length > Math.ceil(MAX_AVATAR_BYTES / 3) * 4) return null;
  try {
    return Uint8Array.from(atob(clean), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

export const encodeBase64 = (data: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode(...data.subarray(i, i + 0x8000));
  return btoa(s);
};

/** Why an image may not be an avatar, or null when it may: checks `expected` (its announced id) too. */
export async function refuseAvatar(data: Uint8Array | null, expected?: string): Promise<string | null> {
  if (!data) return 'not base64, or larger than the limit';
  if (data.length > MAX_AVATAR_BYTES) return `${data.length} bytes, more than the limit`;
  if (!imageType(data)) return 'not an image';
  if (expected !== undefined && (await sha1Hex(data)) !== expected) return 'its SHA-1 is not the id it was announced with';
  return null;
}

/** The `<pubsub/>` of an iq get for one image of a contact's data node. */
export const buildDataFetch = (id: string): Element =>
  xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: NS_AVATAR_DATA }, xml('item', { id })));

/** The metadata item announcing an image (XEP-0084 §4.2). */
export const buildMetadataItem = (id: string, bytes: number, type: string, size: { width: number; height: number }): Element =>
  xml('item', { id }, xml('metadata', { xmlns: NS_AVATAR_META }, xml('info', { id, bytes: String(bytes), type, width: String(size.width), height: String(size.height) })));

export interface AvatarPlugin extends Plugin {
  /** Publishes our avatar (an image already cropped and sized by the page); refuses what is no image or too large. */
  publish(data: Uint8Array, size: { width: number; height: number }): Promise<void>;
}

export function avatars(ctx: PluginContext, pep: PubSubPlugin): AvatarPlugin {
  /** Contacts whose avatar came from PEP: a vCard photo hash does not replace it. */
  const fromPep = new Set<string>();

  /** Stores the image once checked, then shows it for `jid`; `fetch` gets its bytes when not cached. */
  async function show(jid: string, hash: string, fetch: () => Promise<Uint8Array | null>): Promise<void> {
    if (!(await hasAvatar(ctx.db, hash))) {
      const data = await fetch();
      const refused = await refuseAvatar(data, hash);
      if (refused) return ctx.log(`avatar of ${jid} refused: ${refused}`);
      await putAvatar(ctx.db, { hash, type: imageType(data!)!, data: data!.slice().buffer });
    }
    ctx.commit(await setAvatarOf(ctx.db, jid, hash));
  }

  async function metadata(jid: string, items: Element | null): Promise<void> {
    const info = parseMetadata(items);
    if (info === undefined) return;
    fromPep.add(jid);
    if (info === null) return ctx.commit(await setAvatarOf(ctx.db, jid, null));
    if (info.bytes > MAX_AVATAR_BYTES) return ctx.log(`avatar of ${jid} refused: announced ${info.bytes} bytes`);
    await show(jid, info.id, async () => {
      const result = await ctx.xmpp.iqCaller.get(buildDataFetch(info.id), jid);
      const data = result?.getChild('items')?.getChildren('item').find((i) => i.attrs.id === info.id)?.getChild('data', NS_AVATAR_DATA);
      return data ? decodeBase64(data.text()) : null;
    });
  }

  async function vcardPhoto(jid: string, hash: string | null): Promise<void> {
    if (fromPep.has(jid)) return;
    if (hash === null) return ctx.commit(await setAvatarOf(ctx.db, jid, null));
    await show(jid, hash, async () => {
      // The iq caller answers with the payload: the `<vCard/>` itself.
      const vcard = await ctx.xmpp.iqCaller.get(xml('vCard', { xmlns: NS_VCARD_TEMP }), jid);
      const binval = vcard?.getChild('PHOTO')?.getChildText('BINVAL');
      return binval ? decodeBase64(binval) : null;
    });
  }

  pep.route(NS_AVATAR_META, (items) => metadata(ctx.jid, items));
  return {
    // A contact's PEP notification comes from their bare JID, straight from their server.
    async envelope(env) {
      if (env.via !== 'live' || env.direction !== 'in' || env.from !== env.sender) return;
      const items = parseEvent(env.message);
      if (items?.attrs.node === NS_AVATAR_META) await metadata(env.sender, items).catch((err) => ctx.log(`avatar of ${env.sender} not fetched`, err));
    },
    async stanza(el) {
      if (el.name !== 'presence' || el.attrs.type || !el.attrs.from) return;
      const hash = parsePhotoHash(el);
      const jid = bareJid(el.attrs.from);
      if (hash === undefined || jid === ctx.jid) return;
      // Only contacts we follow: anyone could send presence naming an image to fetch.
      const item = await ctx.db.get('roster', jid);
      if (item?.subscription !== 'to' && item?.subscription !== 'both') return;
      await vcardPhoto(jid, hash).catch((err) => ctx.log(`vCard avatar of ${jid} not fetched`, err));
    },
    async publish(data, size) {
      const refused = await refuseAvatar(data);
      if (refused) throw new Error(`This avatar cannot be used: ${refused}.`);
      const id = await sha1Hex(data);
      const options = { 'pubsub#access_model': 'presence' };
      await ctx.xmpp.iqCaller.set(buildPublish(NS_AVATAR_DATA, xml('item', { id }, xml('data', { xmlns: NS_AVATAR_DATA }, encodeBase64(data))), options));
      await pep.publish(NS_AVATAR_META, buildMetadataItem(id, data.length, imageType(data)!, size), options);
      await show(ctx.jid, id, async () => data);
    },
  };
}
