// The parts of @xmpp/component (XEP-0114) the gateway and the room bench use; the package ships no types.
declare module '@xmpp/component' {
  import type { Element } from '@xmpp/xml';
  import type { IqHandler, JID } from '@xmpp/client';

  export interface Component {
    jid: JID | null;
    status: string;
    start(): Promise<JID>;
    stop(): Promise<void>;
    send(element: Element): Promise<void>;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: 'online' | 'offline', listener: () => void): this;
    on(event: 'status', listener: (status: string) => void): this;
    on(event: 'stanza', listener: (stanza: Element) => void): this;
    iqCaller: { request(iq: Element, timeout?: number): Promise<Element> };
    iqCallee: { get(ns: string, name: string, handler: IqHandler): void; set(ns: string, name: string, handler: IqHandler): void };
    reconnect: { stop(): void; delay: number };
  }

  export function component(options: { service: string; domain: string; password: string }): Component;
}
