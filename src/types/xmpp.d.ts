// Just the parts of xmpp.js that Parley uses; the packages ship no types.
declare module '@xmpp/xml' {
  export type Child = Element | string;
  export class Element {
    constructor(name: string, attrs?: Record<string, string | undefined>);
    name: string;
    attrs: Record<string, string | undefined>;
    children: Child[];
    parent: Element | null;
    is(name: string, xmlns?: string): boolean;
    getNS(): string | undefined;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildElements(): Element[];
    getChildText(name: string, xmlns?: string): string | null;
    text(): string;
    append(...children: Child[]): Element;
    toString(): string;
  }
  export interface XmlFactory {
    (name: string, attrs?: Record<string, string | undefined> | null, ...children: (Child | null | undefined | false)[]): Element;
    Element: typeof Element;
  }
  const xml: XmlFactory;
  export default xml;
}

declare module '@xmpp/client' {
  import type { Element, XmlFactory } from '@xmpp/xml';

  interface EventEmitter {
    // xmpp.js emits many shapes of events; listeners type their own arguments.
    on(event: string, listener: (...args: never[]) => void): this;
    removeListener(event: string, listener: (...args: never[]) => void): this;
    off(event: string, listener: (...args: never[]) => void): this;
    emit(event: string, ...args: unknown[]): boolean;
  }

  export interface JID {
    local: string;
    domain: string;
    resource: string;
    bare(): JID;
    toString(): string;
  }

  export type Status =
    | 'offline' | 'connecting' | 'connect' | 'opening' | 'open' | 'online'
    | 'closing' | 'close' | 'disconnecting' | 'disconnect';

  export interface IqContext {
    stanza: Element;
    element: Element;
    from: JID | null;
    type: string;
  }
  export type IqHandler = (ctx: IqContext) => Element | boolean | undefined | Promise<Element | boolean | undefined>;

  /** SASL2 passes the user agent on; SASL1 ignores it. */
  export type Authenticate = (credentials: Record<string, unknown>, mechanism: string, userAgent?: Element) => Promise<void>;
  export type OnAuthenticate = (
    authenticate: Authenticate,
    mechanisms: string[],
    /** Set when the server offers FAST (XEP-0484) in SASL2. */
    fast: Fast | null,
    entity: XmppClient,
  ) => Promise<void>;

  /** A FAST token as xmpp.js keeps it. */
  export interface FastToken {
    mechanism: string;
    token: string;
    expiry: string;
  }

  /** xmpp.js's FAST support; Parley replaces its token storage. */
  export interface Fast {
    mechanism: string | null;
    fetchToken(): Promise<FastToken | null>;
    saveToken(token: FastToken): Promise<void>;
    deleteToken(): Promise<void>;
  }

  /** A SASL2 inline feature (XEP-0388 §2.6) or Bind2 one (XEP-0386): what to ask for, what came back. */
  export interface InlineFeatures {
    use(ns: string, request: (offer: Element) => Element | undefined | Promise<Element | undefined>, response?: (el: Element) => void): void;
  }

  export interface StreamManagement extends EventEmitter {
    enabled: boolean;
    enableSent: boolean;
    id: string;
    outbound_q: { stanza: Element; stamp: string }[];
    timeout: number;
    requestAckInterval: number;
    inbound: number;
    outbound: number;
  }

  export interface XmppClient extends EventEmitter {
    jid: JID | null;
    status: Status;
    /** ms to wait for the server's stream header (`open`) and for its close. */
    timeout: number;
    options: { service: string; domain: string };
    start(): Promise<JID>;
    connect(service: string): Promise<void>;
    open(options: { domain: string; lang?: string }): Promise<void>;
    stop(): Promise<void>;
    disconnect(): Promise<void>;
    send(element: Element): Promise<void>;
    write(data: string): Promise<void>;
    isSecure(): boolean;
    socket: { end(): void } | null;
    iqCaller: {
      /** Resolves with the whole result <iq/>. */
      request(iq: Element, timeout?: number): Promise<Element>;
      /** Resolve with the result's payload element (undefined when the result is empty). */
      get(child: Element, to?: string, timeout?: number): Promise<Element | undefined>;
      set(child: Element, to?: string, timeout?: number): Promise<Element | undefined>;
    };
    iqCallee: { get(ns: string, name: string, handler: IqHandler): void; set(ns: string, name: string, handler: IqHandler): void };
    reconnect: { stop(): void };
    streamManagement: StreamManagement;
    saslFactory: { use(name: string, mech: unknown): void };
    fast: Fast;
    sasl2: InlineFeatures;
    bind2: InlineFeatures;
    /** Parses one element from the socket; Parley wraps it to see elements before any middleware. */
    _onElement(element: Element): void;
  }

  export function client(options: {
    service: string;
    domain: string;
    resource?: string;
    credentials?: OnAuthenticate;
    username?: string;
    password?: string;
    userAgent?: Element;
  }): XmppClient;
  export const xml: XmlFactory;
  export function jid(s: string): JID;
}

declare module 'ltx' {
  import type { Element } from '@xmpp/xml';
  export function parse(xml: string): Element;
}

declare module '@xmpp/xml/lib/parse.js' {
  import type { Element } from '@xmpp/xml';
  /** One whole XML document; throws on malformed input. */
  export default function parse(text: string): Element | null;
}

declare module '@xmpp/client-core' {
  import type { Element } from '@xmpp/xml';
  /** A bare stream: no SASL, no binding (used for in-band registration before any login). */
  export class Client {
    constructor(options: { service: string; domain: string; lang?: string });
    status: string;
    timeout: number;
    connect(service: string): Promise<void>;
    open(options: { domain: string; lang?: string }): Promise<void>;
    send(element: Element): Promise<void>;
    stop(): Promise<void>;
    on(event: 'element', listener: (el: Element) => void): this;
    on(event: string, listener: (...args: never[]) => void): this;
  }
}

declare module '@xmpp/websocket' {
  import type { Client } from '@xmpp/client-core';
  export default function websocket(options: { entity: Client }): void;
}
