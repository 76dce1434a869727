/**
 * A Comlink endpoint whose far end can move. Without SharedWorker the worker lives in whichever tab
 * leads (see leader.ts): calls go to this tab's own worker or, over a BroadcastChannel, to the
 * leading tab's. While no route is known calls wait; when the route changes, calls sent on the old
 * one can never be answered (that worker died with its tab) and are rejected with an Error.
 */
import { transferHandlers, type Endpoint } from 'comlink';

export interface Route {
  post(message: unknown, transfer: Transferable[]): void;
}

/** Comlink's request and reply messages: it matches them by `id`. */
interface Message {
  id?: string;
}

/** How long a call waits for some tab to run the worker before it fails. */
const NO_ROUTE_MS = 10_000;

export class RoutedEndpoint implements Endpoint {
  private route: Route | undefined;
  private readonly listeners = new Set<EventListenerOrEventListenerObject>();
  /** Ids of calls sent on the current route and not answered yet. */
  private readonly inFlight = new Set<string>();
  /** Calls waiting for a route. */
  private readonly waiting = new Map<string, { message: Message; transfer: Transferable[]; timer: ReturnType<typeof setTimeout> }>();

  /** Called each time calls get a new way to a worker: a new worker knows nothing of this page yet. */
  onRoute: (() => void) | undefined;

  constructor(private readonly noRouteError = 'No tab is running the Parley connection.') {}

  postMessage(message: Message, transfer: Transferable[] = []): void {
    const id = message.id;
    if (this.route) return this.send(message, transfer);
    if (!id) return; // nothing waits for an answer to it
    const timer = setTimeout(() => {
      this.waiting.delete(id);
      this.fail(id, new Error(this.noRouteError));
    }, NO_ROUTE_MS);
    this.waiting.set(id, { message, transfer, timer });
  }

  /** A reply from the current route. */
  receive(data: Message): void {
    if (data?.id) this.inFlight.delete(data.id);
    this.dispatch(data);
  }

  /**
   * Sends later calls, and those waiting, on `route`. Calls already sent on the previous route
   * fail with `lost`: their answer will never come.
   */
  setRoute(route: Route | undefined, lost: string): void {
    const stranded = [...this.inFlight];
    this.inFlight.clear();
    this.route = route;
    for (const id of stranded) this.fail(id, new Error(lost));
    if (!route) return;
    for (const { message, transfer, timer } of this.waiting.values()) {
      clearTimeout(timer);
      this.send(message, transfer);
    }
    this.waiting.clear();
    this.onRoute?.();
  }

  addEventListener(type: string, listener: EventListenerOrEventListenerObject): void {
    if (type === 'message') this.listeners.add(listener);
  }

  removeEventListener(type: string, listener: EventListenerOrEventListenerObject): void {
    if (type === 'message') this.listeners.delete(listener);
  }

  private send(message: Message, transfer: Transferable[]): void {
    if (message.id) this.inFlight.add(message.id);
    this.route!.post(message, transfer);
  }

  /** Answers call `id` the way Comlink answers a call that threw, so the caller's promise rejects. */
  private fail(id: string, error: Error): void {
    const [value] = transferHandlers.get('throw')!.serialize({ value: error });
    this.dispatch({ id, type: 'HANDLER', name: 'throw', value } as Message);
  }

  private dispatch(data: Message): void {
    const event = new MessageEvent('message', { data });
    for (const listener of this.listeners) {
      if (typeof listener === 'function') listener(event);
      else listener.handleEvent(event);
    }
  }
}
