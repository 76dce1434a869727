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

  export type Authenticate = (credentials: Record<string, unknown>, mechanism: string) => Promise<void>;
  export type OnAuthenticate = (
    authenticate: Authenticate,
    mechanisms: string[],
    fast: unknown,
    entity: XmppClient,
  ) => Promise<void>;

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
  }

  export function client(options: {
    service: string;
    domain: string;
    resource?: string;
    credentials?: OnAuthenticate;
    username?: string;
    password?: string;
  }): XmppClient;
  export const xml: XmlFactory;
  export function jid(s: string): JID;
}

declare module 'ltx' {
  import type { Element } from '@xmpp/xml';
  export function parse(xml: string): Element;
}
