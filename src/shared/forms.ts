/**
 * Data forms (XEP-0004): a form Element parsed into plain data that can cross to pages (room
 * configuration, room search, registration, CAPTCHAs), the values a user gave checked against it,
 * and the `submit` or `cancel` answer built from them. Media (XEP-0221) keeps only images a page can
 * show without asking anyone: `data:` URIs, and `cid:` ones resolved from Bits of Binary (XEP-0231)
 * data carried in the same stanza; failing those, an http(s) address becomes a link for the user.
 */
import xml from '@xmpp/xml';
import { safeLink } from './card.js';
import type { Element } from '@xmpp/xml';
import { MULTI, TYPES, validateForm, type DataForm, type FieldType, type FormField, type FormMedia, type FormValues } from './form-model.js';
import { MAX_FORM_FIELDS, MAX_FORM_TEXT } from './limits.js';

export * from './form-model.js';

export const NS_DATA = 'jabber:x:data';
const NS_MEDIA = 'urn:xmpp:media-element';
const NS_BOB = 'urn:xmpp:bob';


const text = (s: string | null | undefined): string | undefined => (s ? s.slice(0, MAX_FORM_TEXT) : undefined);

/**
 * The form of an `<x xmlns='jabber:x:data'/>`, or null for anything else or a form too large to be
 * meant. `stanza`, when given, is searched for the Bits of Binary a CAPTCHA image names.
 */
export function parseForm(x: Element | undefined, stanza?: Element): DataForm | null {
  if (!x?.is('x', NS_DATA)) return null;
  const type = x.attrs.type;
  if (type !== 'form' && type !== 'result' && type !== 'submit' && type !== 'cancel') return null;
  const children = x.getChildren('field');
  if (children.length > MAX_FORM_FIELDS) return null;
  const fields: FormField[] = [];
  const seen = new Set<string>();
  for (const el of children) {
    const field = parseField(el, stanza);
    // A field without a name can only be text to show; a repeated name is a second answer to one question.
    if (!field || (field.type !== 'fixed' && !field.var) || (field.var && seen.has(field.var))) continue;
    if (field.var) seen.add(field.var);
    fields.push(field);
  }
  const formType = fields.find((f) => f.var === 'FORM_TYPE' && f.type === 'hidden')?.values[0];
  const title = text(x.getChildText('title'));
  return {
    type,
    ...(formType ? { formType } : {}),
    ...(title ? { title } : {}),
    instructions: x.getChildren('instructions').flatMap((i) => text(i.text()) ?? []),
    fields,
  };
}

function parseField(el: Element, stanza: Element | undefined): FormField | null {
  // XEP-0004 §3.3: no type means text-single, and so does a type this version does not know.
  const type = TYPES.includes(el.attrs.type as FieldType) ? (el.attrs.type as FieldType) : 'text-single';
  const values = el.getChildren('value').map((v) => v.text().slice(0, MAX_FORM_TEXT));
  if (!MULTI.includes(type) && values.length > 1) return null;
  const label = text(el.attrs.label);
  const desc = text(el.getChildText('desc'));
  const mediaEl = el.getChild('media', NS_MEDIA);
  const media = parseMedia(mediaEl, stanza);
  const link = media ? undefined : mediaLink(mediaEl);
  return {
    ...(el.attrs.var ? { var: el.attrs.var } : {}),
    type,
    ...(label ? { label } : {}),
    ...(desc ? { desc } : {}),
    required: !!el.getChild('required'),
    values,
    options: el.getChildren('option').flatMap((o) => {
      const value = o.getChildText('value');
      const optionLabel = text(o.attrs.label);
      return value === null ? [] : [{ value, ...(optionLabel ? { label: optionLabel } : {}) }];
    }),
    ...(media ? { media } : {}),
    ...(link ? { link } : {}),
  };
}

/** The first http(s) address of a `<media/>` with no image carried inline, for the user to open (never fetched here). */
function mediaLink(media: Element | undefined): string | undefined {
  const uris = media?.getChildren('uri').map((u) => u.text().trim()) ?? [];
  return uris.flatMap((u) => (u.length <= MAX_FORM_TEXT && safeLink(u)) || [])[0];
}

/** The first image of a `<media/>` a page can show without fetching from anyone. */
function parseMedia(media: Element | undefined, stanza: Element | undefined): FormMedia | undefined {
  if (!media) return undefined;
  const size = (s: string | undefined) => (s && /^\d{1,5}$/.test(s) ? Number(s) : undefined);
  for (const u of media.getChildren('uri')) {
    const type = u.attrs.type ?? '';
    const uri = u.text().trim();
    if (!/^image\/[\w.+-]+$/.test(type)) continue;
    const resolved = uri.startsWith('data:image/') ? uri : uri.startsWith('cid:') ? bob(stanza, uri.slice(4), type) : undefined;
    if (!resolved) continue;
    const width = size(media.attrs.width);
    const height = size(media.attrs.height);
    return { type, uri: resolved, ...(width !== undefined ? { width } : {}), ...(height !== undefined ? { height } : {}) };
  }
  return undefined;
}

/** XEP-0231 data named `cid` anywhere in the stanza, as a data: URI. */
function bob(stanza: Element | undefined, cid: string, type: string): string | undefined {
  const found = stanza && findBob(stanza, cid);
  const data = found?.text().replace(/\s+/g, '');
  return data && /^[A-Za-z0-9+/]*={0,2}$/.test(data) ? `data:${type};base64,${data}` : undefined;
}

function findBob(el: Element, cid: string): Element | undefined {
  if (el.is('data', NS_BOB) && el.attrs.cid === cid) return el;
  for (const child of el.getChildElements()) {
    const found = findBob(child, cid);
    if (found) return found;
  }
  return undefined;
}

export class FormError extends Error {
  override name = 'FormError';
  constructor(readonly errors: Record<string, string>) {
    super(`form not filled in: ${Object.entries(errors).map(([name, e]) => `${name}: ${e}`).join(' ')}`);
  }
}

/**
 * The `submit` answer (XEP-0004 §3.2): FORM_TYPE and the other hidden fields as the form gave them,
 * every other named field with the user's values or its default. Throws FormError when the values
 * do not answer the form.
 */
export function buildSubmit(form: DataForm, values: FormValues): Element {
  const errors = validateForm(form, values);
  if (Object.keys(errors).length) throw new FormError(errors);
  const fields = form.fields.flatMap((field) => {
    if (!field.var || field.type === 'fixed') return [];
    const given = field.type === 'hidden' ? field.values : (values[field.var] ?? field.values).filter((v) => v !== '');
    return [xml('field', { var: field.var }, ...given.map((v) => xml('value', {}, v)))];
  });
  return xml('x', { xmlns: NS_DATA, type: 'submit' }, ...fields);
}

/** The answer that declines to fill the form in (§3.2). */
export const buildCancel = (): Element => xml('x', { xmlns: NS_DATA, type: 'cancel' });
