/**
 * In-band registration (XEP-0077): an account created on a fresh stream before any login, from the
 * form the server sends (legacy fields, or a data form, XEP-0004, with a CAPTCHA's image, XEP-0158 /
 * XEP-0231); logged in, the password changed or the account removed. Nothing is stored here: the
 * password passes through once, to the server, and the login that follows keeps only what logins keep.
 */
import { Client } from '@xmpp/client-core';
import websocket from '@xmpp/websocket';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { XmppClient } from '@xmpp/client';
import { buildSubmit, FormError, NS_DATA, parseForm, validateForm, type DataForm, type FormField, type FormValues } from '../shared/forms.js';
import type { ParleyApi, RegistrationForm } from '../shared/api.js';
import { transportRefusal } from './auth.js';
import type { Feature } from './feature.js';
import { MAX_FORM_TEXT, MAX_SHORT_TEXT } from '../shared/limits.js';

export const NS_REGISTER = 'jabber:iq:register';
const NS_FEATURE = 'http://jabber.org/features/iq-register';
const NS_OOB = 'jabber:x:oob';
const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
const NS_STREAMS = 'http://etherx.jabber.org/streams';
const WAIT_MS = 20_000;
/** A form left unanswered this long is given up (its stream closed). */
const IDLE_MS = 10 * 60_000;

/** The legacy fields of XEP-0077 §3 a page may be asked for, with their labels; `key` is answered as given. */
const LEGACY: Readonly<Record<string, string>> = {
  username: 'Username', password: 'Password', email: 'Email', nick: 'Nickname', name: 'Full name', first: 'Given name',
  last: 'Family name', address: 'Street', city: 'City', state: 'State', zip: 'Postal code', phone: 'Telephone',
  url: 'Web page', date: 'Birth date', misc: 'Other', text: 'Text', key: 'Key',
};

/** A form as the worker keeps it: how it is answered (legacy fields or the data form) beside what pages see. */
export interface ParsedRegistration extends RegistrationForm {
  legacy: boolean;
}

export const buildFormRequest = (): Element => xml('query', { xmlns: NS_REGISTER });

/**
 * The registration form of an IQ result: its data form where it has one (CAPTCHA images resolved
 * from the Bits of Binary the IQ carries), else its legacy fields as a form of their own; `url` where
 * the server sends people to a web page (XEP-0077 §5, only http(s)). Null when it holds neither.
 */
export function parseRegistration(iq: Element): ParsedRegistration | null {
  const query = iq.getChild('query', NS_REGISTER);
  if (!query) return null;
  const url = webUrl(query.getChild('x', NS_OOB)?.getChildText('url'));
  const link = url ? { url } : {};
  const form = parseForm(query.getChild('x', NS_DATA), iq);
  if (form?.type === 'form') return { form, legacy: false, ...link };
  const fields = query.getChildElements().filter((c) => Object.hasOwn(LEGACY, c.name) && c.getNS() === NS_REGISTER).map(legacyField);
  if (!fields.length && !url) return null;
  const instructions = query.getChildText('instructions')?.trim();
  return { form: { type: 'form', instructions: instructions ? [instructions.slice(0, MAX_FORM_TEXT)] : [], fields }, legacy: true, ...link };
}

function legacyField(el: Element): FormField {
  const name = el.name;
  const given = el.text().slice(0, MAX_SHORT_TEXT);
  if (name === 'key') return { var: name, type: 'hidden', required: false, values: [given], options: [] };
  // Legacy fields are all required (§3.1); a password is never shown back.
  const type = name === 'password' ? 'text-private' : 'text-single';
  return { var: name, type, label: LEGACY[name]!, required: true, values: type === 'text-single' && given ? [given] : [], options: [] };
}

function webUrl(text: string | null | undefined): string | undefined {
  try {
    const url = new URL(text?.trim() ?? '');
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** The answer to a registration form: the data form submitted, or the legacy fields filled in. Throws FormError. */
export function buildRegistration(reg: ParsedRegistration, values: FormValues): Element {
  if (!reg.legacy) return xml('query', { xmlns: NS_REGISTER }, buildSubmit(reg.form, values));
  const errors = validateForm(reg.form, values);
  if (Object.keys(errors).length) throw new FormError(errors);
  const answers = reg.form.fields.flatMap((f) => (f.var ? [xml(f.var, {}, (f.type === 'hidden' ? f.values : values[f.var] ?? f.values)[0] ?? '')] : []));
  return xml('query', { xmlns: NS_REGISTER }, ...answers);
}

/** The username a filled-in form registers. */
export function usernameOf(form: DataForm, values: FormValues): string | undefined {
  return (values.username ?? form.fields.find((f) => f.var === 'username')?.values)?.[0]?.trim() || undefined;
}

export const buildPasswordChange = (username: string, password: string): Element =>
  xml('query', { xmlns: NS_REGISTER }, xml('username', {}, username), xml('password', {}, password));

export const buildRemove = (): Element => xml('query', { xmlns: NS_REGISTER }, xml('remove'));

const MESSAGES: Readonly<Record<string, string>> = {
  conflict: 'That username is taken: choose another.',
  'not-acceptable': 'The server did not accept what was entered.',
  'not-allowed': 'The server did not allow it.',
  forbidden: 'The server does not allow this from here.',
  'resource-constraint': 'Too many attempts from here: try again later.',
  'policy-violation': 'Too many attempts from here: try again later.',
  'bad-request': 'The server found something missing or malformed.',
  'jid-malformed': 'That username cannot be used.',
  'service-unavailable': 'The server does not offer this.',
  'feature-not-implemented': 'The server does not offer this.',
  'registration-required': 'The server does not know this account.',
};

/** What an IQ error (RFC 6120 §8.3) to a registration request means, in words for the user; the server's own text follows. */
export function registrationError(condition: string | undefined, text?: string | null): string {
  const said = text?.trim().slice(0, 300);
  const message = MESSAGES[condition ?? ''] ?? `The server refused (${condition ?? 'no reason given'}).`;
  return said && said !== message ? `${message} (${said})` : message;
}

/** The condition and text of an IQ's <error/>. */
export function parseError(iq: Element): { condition?: string; text?: string } {
  const error = iq.getChild('error');
  const condition = error?.getChildElements().find((c) => c.getNS() === NS_STANZAS && c.name !== 'text')?.name;
  const text = error?.getChildText('text', NS_STANZAS);
  return { ...(condition ? { condition } : {}), ...(text ? { text } : {}) };
}

/** xmpp.js rejects an IQ with a StanzaError (condition, text): the same words as a fresh stream's errors. */
async function ask(xmpp: XmppClient, query: Element): Promise<void> {
  try {
    await xmpp.iqCaller.set(query);
  } catch (err) {
    const { condition, text } = err as { condition?: string; text?: string };
    if (!condition) throw err;
    throw new Error(registrationError(condition, text));
  }
}

/** Changes the logged-in account's password (XEP-0077 §3.3). */
export const changePassword = (xmpp: XmppClient, username: string, password: string): Promise<void> => ask(xmpp, buildPasswordChange(username, password));

/** Removes the logged-in account (§3.2); the server then ends the stream. */
export const removeAccount = (xmpp: XmppClient): Promise<void> => ask(xmpp, buildRemove());

/** A stream of its own to `domain`, with no login: what registering needs, and nothing more. */
export class RegistrationStream {
  private readonly replies = new Map<string, (iq: Element) => void>();
  private features: ((el: Element) => void) | undefined;
  private ended: ((why: Error) => void)[] = [];
  private endedWith: Error | undefined;
  private nextId = 0;

  private constructor(private readonly entity: Client, private readonly domain: string) {
    entity.on('element', (el: Element) => {
      if (el.is('features', NS_STREAMS)) return this.features?.(el);
      const reply = el.name === 'iq' && (el.attrs.type === 'result' || el.attrs.type === 'error') ? this.replies.get(el.attrs.id ?? '') : undefined;
      reply?.(el);
    });
    entity.on('error', (err: Error) => this.end(new Error(`The connection failed: ${err.message || 'no reason given'}.`)));
    entity.on('status', (status: string) => {
      if (status === 'disconnect' || status === 'close') this.end(new Error('The server closed the connection.'));
    });
  }

  static async open(service: string, domain: string): Promise<RegistrationStream> {
    const entity = new Client({ service, domain });
    websocket({ entity });
    entity.timeout = WAIT_MS / 2;
    const stream = new RegistrationStream(entity, domain);
    const features = stream.wait<Element>((resolve) => (stream.features = resolve));
    let offered: Element | undefined;
    try {
      await entity.connect(service);
      await entity.open({ domain });
      offered = (await features).getChild('register', NS_FEATURE);
    } catch {
      // The socket's own errors name no cause a person can act on.
      throw new Error(`Cannot reach the server at ${service}.`);
    } finally {
      if (!offered) await stream.close();
    }
    if (!offered) throw new Error(`${domain} does not offer creating accounts here.`);
    return stream;
  }

  /** The server's form. */
  async form(): Promise<ParsedRegistration> {
    const reg = parseRegistration(await this.iq('get', buildFormRequest()));
    if (!reg) throw new Error('The server sent no registration form.');
    return reg;
  }

  /** Answers the form; throws what the server said against it. */
  async submit(reg: ParsedRegistration, values: FormValues): Promise<void> {
    await this.iq('set', buildRegistration(reg, values));
  }

  async close(): Promise<void> {
    this.end(new Error('Registration was given up.'));
    await this.entity.stop().catch(() => undefined);
  }

  private async iq(type: 'get' | 'set', query: Element): Promise<Element> {
    const id = `reg${++this.nextId}`;
    const reply = this.wait<Element>((resolve) => this.replies.set(id, resolve)).finally(() => this.replies.delete(id));
    await this.entity.send(xml('iq', { type, id, to: this.domain }, query));
    const iq = await reply;
    if (iq.attrs.type === 'error') {
      const { condition, text } = parseError(iq);
      throw new Error(registrationError(condition, text));
    }
    return iq;
  }

  /** A promise `start` settles, rejected when the stream ends or the server takes too long. */
  private wait<T>(start: (resolve: (value: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.endedWith) return reject(this.endedWith);
      const timer = setTimeout(() => reject(new Error('The server did not answer in time.')), WAIT_MS);
      const fail = (why: Error) => reject(why);
      this.ended.push(fail);
      start((value) => {
        clearTimeout(timer);
        this.ended = this.ended.filter((f) => f !== fail);
        resolve(value);
      });
    });
  }

  private end(why: Error): void {
    this.endedWith ??= why;
    for (const fail of this.ended.splice(0)) fail(why);
  }
}

export const feature = {
  api: () => {
    /** The one registration under way in this worker: its stream and form, until answered or given up. */
    let pending: { stream: RegistrationStream; reg: ParsedRegistration; domain: string; timer: ReturnType<typeof setTimeout> } | undefined;
    const drop = async () => {
      const was = pending;
      pending = undefined;
      if (!was) return;
      clearTimeout(was.timer);
      await was.stream.close();
    };
    return {
      async registrationForm({ service, domain, allowInsecure = false }) {
        const refusal = transportRefusal(service, allowInsecure);
        if (refusal) throw new Error(refusal);
        const host = domain.trim().toLowerCase();
        if (!/^[^@/\s]+$/.test(host)) throw new Error('Enter the server’s name, like example.org.');
        await drop();
        const stream = await RegistrationStream.open(service, host);
        let reg: ParsedRegistration;
        try {
          reg = await stream.form();
        } catch (err) {
          await stream.close();
          throw err;
        }
        pending = { stream, reg, domain: host, timer: setTimeout(() => void drop(), IDLE_MS) };
        return { form: reg.form, ...(reg.url ? { url: reg.url } : {}) };
      },
      async register(values) {
        const current = pending;
        if (!current) throw new Error('The registration form is gone: ask for it again.');
        const username = usernameOf(current.reg.form, values);
        if (!username) throw new Error('Choose a username.');
        // Refused (a name taken, a wrong CAPTCHA): the stream stays for another answer.
        await current.stream.submit(current.reg, values);
        await drop();
        return `${username}@${current.domain}`;
      },
      cancelRegistration: drop,
    };
  },
} satisfies Feature<Pick<ParleyApi, 'registrationForm' | 'register' | 'cancelRegistration'>>;
