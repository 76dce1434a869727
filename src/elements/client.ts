import { html, css, nothing, svg } from 'lit';
import { ParleyElement } from './element.js';
import { parley, getConversation, registerServiceWorker, type PushState } from '../client/index.js';
import { displayName } from '../shared/names.js';
import type { Show } from '../shared/records.js';
import { LiveQuery, reads, StatusController, touches } from './live.js';
import { base } from './styles.js';
import './login.js';
import './roster.js';
import './conversations.js';
import { readFirstWindow } from './conversation.js';
import './composer.js';
import './profile.js';
import './join.js';
import './room.js';
import './card.js';
import type { ParleyCard } from './card.js';
import './avatar.js';
import './menu.js';
import type { MenuItem } from './menu.js';

const OPEN_KEY = 'parley:open';
/** The longest the Service Worker's registration waits for the connection to settle. */
const SETTLE_MS = 10_000;
/** Resolves once the page is idle, at most `timeout` ms later. */
const idle = (timeout: number) => new Promise((done) => ('requestIdleCallback' in window ? requestIdleCallback(done, { timeout }) : setTimeout(done)));
/** A cold open starts the worker at most this long after the page (see connectedCallback). */
const WORKER_WAIT_MS = 300;
/** Whether a page of this origin was last signed in (see render). */
const SIGNED_IN_KEY = 'parley:signed-in';
/** Drawn, not the emoji: that would load an emoji font in the middle of the frame that first shows the bell. */
const bell = (off: boolean) =>
  html`<svg viewBox="0 0 24 24" width="1.2em" height="1.2em" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" stroke-linecap="round" aria-hidden="true"><path d="M6 16v-5a6 6 0 0 1 12 0v5l1.5 2h-15z" /><path d="M10 20.5a2 2 0 0 0 4 0" />${off ? svg`<path d="M4 4l16 16" />` : nothing}</svg>`;
const BELL = bell(false);
const BELL_OFF = bell(true);
/** A notification click: the Service Worker names the conversation (src/sw/handlers.ts). */
const OPEN_MESSAGE = 'parley-open';
const OPEN_HASH = /^#parley=(.+)$/;
/** Longer than a message in the open conversation stays unread (its MARK_DELAY and a round trip). */
const UNREAD_SHOWN_MS = 500;
const STATE_TEXT = { 'logged-out': 'Logged out', connecting: 'Connecting…', online: 'Online', offline: 'Offline', waiting: 'Waiting' } as const;

/**
 * The whole client: login form when logged out; roster and conversation when logged in.
 * Renders from local storage at once, before the worker or the server answers.
 * `open` is the JID of the conversation shown. With `sw-url` it registers Parley's Service Worker
 * (offline shell, "Reload to update"); with `push-gateway` too, a bell turns push notifications on.
 */
export class ParleyClient extends ParleyElement {
  static override properties = {
    service: { type: String },
    workerUrl: { type: String, attribute: 'worker-url' },
    allowPlain: { type: Boolean, attribute: 'allow-plain' },
    allowInsecure: { type: Boolean, attribute: 'allow-insecure' },
    open: { type: String, reflect: true },
    swUrl: { type: String, attribute: 'sw-url' },
    pushGateway: { type: String, attribute: 'push-gateway' },
    discoveryOrigin: { type: String, attribute: 'discovery-origin' },
    applyUpdate: { state: true },
    pushState: { state: true },
    pushError: { state: true },
    roomShown: { state: true },
    canBlock: { state: true },
    blockError: { state: true },
  };
  static override styles = [
    base,
    css`
      :host { display: flex; flex-direction: column; height: 100%; background: var(--_bg); container: parley / inline-size; }
      header { display: flex; align-items: center; gap: 0.75em; padding: 0.5em 1em; border-bottom: 1px solid var(--_line); flex-wrap: wrap; }
      header h1 { font-size: 1.1em; margin: 0; }
      .status { padding: 0.1em 0.6em; border-radius: 1em; background: var(--_line); font-size: 0.85em; }
      .status[data-state='online'] { background: var(--_ok-bg); color: var(--_ok); }
      .status[data-state='offline'] { background: var(--_danger-bg); color: var(--_danger); }
      .spacer { flex: 1; }
      .main { flex: 1; display: grid; grid-template-columns: minmax(12em, 18em) 1fr; min-height: 0; }
      .side { border-right: 1px solid var(--_line); overflow-y: auto; }
      .chat { display: flex; flex-direction: column; min-height: 0; }
      .main.in-room { grid-template-columns: minmax(12em, 18em) 1fr minmax(10em, 16em); }
      @media (max-width: 60em) { .main.in-room { grid-template-columns: minmax(12em, 18em) 1fr; } .main.in-room parley-room { grid-column: 2; } }
      parley-conversation { flex: 1; }
      .update, .warning { display: flex; gap: 1em; align-items: center; padding: 0.4em 1em; background: var(--_line); }
      .chat-bar { display: none; align-items: center; gap: 0.5em; padding: 0.3em 0.5em; border-bottom: 1px solid var(--_line); }
      .chat-bar h2 { flex: 1; min-width: 0; font-size: 1em; margin: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .chat-bar > :not(h2) { flex: none; }
      .block-error { margin: 0; padding: 0.3em 1em; border-bottom: 1px solid var(--_line); }
      .block-error:empty { display: none; }
      /* Narrow (a phone): the list alone, or the open conversation alone with a way back. */
      @container parley (max-width: 40em) {
        header { gap: 0.5em; padding: 0.4em 0.5em; }
        header .jid { display: none; }
        .main, .main.in-room { grid-template-columns: minmax(0, 1fr); }
        .side { border-right: none; }
        .chat-bar { display: flex; }
        /* An open conversation has the screen, under its own one-line bar: the app's header steps
           aside (its title kept for assistive technology), but for the connection's state while it is not online. */
        header[data-view='conversation'] > :not(.status, h1), header[data-view='conversation'][data-state='online'] .status { display: none; }
        header[data-view='conversation'] h1 { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        header[data-view='conversation'][data-state='online'] { padding: 0; border: none; }
        .main[data-view='list'] > :not(.side), .main[data-view='conversation'] > .side { display: none; }
        .main.in-room:not(.details) parley-room { display: none; }
        .main.details { grid-template-rows: auto minmax(0, 1fr); }
        .main.details .chat > :not(.chat-bar) { display: none; }
        .main.details parley-room { grid-column: 1; border-left: none; }
      }
    `,
  ];

  declare service: string;
  declare workerUrl: string;
  declare allowPlain: boolean;
  declare allowInsecure: boolean;
  declare open: string;
  declare swUrl: string;
  declare pushGateway: string;
  /** Where `<parley-login>` looks up host-meta (XEP-0156) when no `service` is given. */
  declare discoveryOrigin: string;
  /** A new version waits: this lets it take over (and reloads). */
  declare applyUpdate: (() => void) | undefined;
  declare pushState: PushState | undefined;
  declare pushError: string;
  declare canBlock: boolean;
  /** Why the last Block or Unblock of the open conversation failed, shown until the next try. */
  declare blockError: string;
  private askedBlocking = false;
  /** Called once the worker's connection is no longer connecting (see startServiceWorker). */
  private connectionSettled: (() => void) | undefined;
  /** Whether this origin's page was last seen signed in (a first visit: no); once the worker or storage says, what they said. */
  private leftSignedIn: boolean;
  /** On a narrow screen, the room's details (subject, nick, occupants) shown instead of its messages. */
  declare roomShown: boolean;
  private readonly status = new StatusController(this);
  private readonly account = new LiveQuery(this, reads.account, touches('account'));
  private readonly unread = new LiveQuery(
    this,
    reads.totalUnread,
    touches('conversations'),
  );
  private readonly rooms = new LiveQuery(this, reads.rooms, touches('rooms'));
  private readonly blocked = new LiveQuery(this, reads.blocked, touches('blocked'));
  private readonly names = new LiveQuery(this, reads.names, touches('roster', 'nicks'));
  private readonly baseTitle = document.title;
  /** The push node stored when the bell last looked. */
  private pushNode: string | undefined;
  /** The unread total last put in the title and badge. */
  private shownUnread: number | undefined;
  private pendingUnread = 0;
  private unreadTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly muted = new LiveQuery(this, async (db) => !!(this.open && (await getConversation(db, this.open))?.muted), touches('conversations'));

  constructor() {
    super();
    this.service = '';
    this.workerUrl = '';
    this.allowPlain = false;
    this.allowInsecure = false;
    this.swUrl = '';
    this.pushGateway = '';
    this.discoveryOrigin = '';
    this.applyUpdate = undefined;
    this.pushError = '';
    this.roomShown = false;
    this.canBlock = false;
    this.blockError = '';
    // A reload or a new tab comes back to the conversation last open here.
    this.open = decodeURIComponent(OPEN_HASH.exec(location.hash)?.[1] ?? '') || (localStorage.getItem(OPEN_KEY) ?? '');
    this.leftSignedIn = localStorage.getItem(SIGNED_IN_KEY) === 'true';
  }

  /** Signed in: as the worker says; until it answers, as storage says (stored keys mean a session is on its way); unknown before either. */
  private signedIn(): boolean | undefined {
    const status = this.status.value;
    if (status) return status.state !== 'logged-out';
    return this.account.loaded ? !!(this.account.value?.keys || this.account.value?.fast) : undefined;
  }

  override updated(changed: Map<PropertyKey, unknown>): void {
    if (this.status.value && this.status.value.state !== 'connecting') this.connectionSettled?.();
    const signedIn = this.signedIn();
    if (signedIn !== undefined && signedIn !== this.leftSignedIn) {
      this.leftSignedIn = signedIn;
      localStorage.setItem(SIGNED_IN_KEY, String(signedIn));
    }
    // Push turned on or off (here, in another tab, or through the API): the bell follows.
    const node = this.account.value?.push?.node;
    if (this.pushState && node !== this.pushNode) void parley().push.state().then((state) => (this.pushState = state));
    this.pushNode = node;
    if (changed.has('open')) {
      localStorage.setItem(OPEN_KEY, this.open);
      this.roomShown = false;
      this.blockError = '';
      void this.muted.refresh();
    }
    // The total unread, where people look for it: the tab title and, installed, the app badge. Each
    // costs a call into the browser: set at most every UNREAD_SHOWN_MS, with the total then (in an
    // open conversation each new message counts as unread until it is marked read, a moment later).
    this.pendingUnread = this.unread.value ?? 0;
    this.unreadTimer ??= setTimeout(() => {
      this.unreadTimer = undefined;
      const total = this.pendingUnread;
      if (total === this.shownUnread) return;
      this.shownUnread = total;
      document.title = total ? `(${total}) ${this.baseTitle}` : this.baseTitle;
      const nav = navigator as Navigator & { setAppBadge?(n: number): Promise<void>; clearAppBadge?(): Promise<void> };
      void (total ? nav.setAppBadge?.(total) : nav.clearAppBadge?.())?.catch(() => undefined);
    }, UNREAD_SHOWN_MS);
  }

  override connectedCallback(): void {
    // Before the controllers connect: they use the instance this creates. A cold open draws the stored
    // conversation first and starts the worker after (at most WORKER_WAIT_MS in): both at once share
    // the same cores.
    let startWorker!: () => void;
    const started = new Promise<void>((start) => (startWorker = start));
    parley({ ...(this.workerUrl ? { workerUrl: new URL(this.workerUrl, document.baseURI) } : {}), startWorker: started });
    if (this.open && this.leftSignedIn) {
      void readFirstWindow(this.open).then(() => idle(WORKER_WAIT_MS)).then(startWorker);
      setTimeout(startWorker, WORKER_WAIT_MS);
    } else startWorker();
    super.connectedCallback();
    if (this.swUrl) void this.startServiceWorker();
  }

  private async startServiceWorker(): Promise<void> {
    // Once the connection has settled (or after SETTLE_MS) and the page is idle: installing the
    // Service Worker fetches and caches every file, which slowed a first login that ran meanwhile.
    await Promise.race([new Promise<void>((settled) => (this.connectionSettled = settled)), new Promise((later) => setTimeout(later, SETTLE_MS))]);
    await idle(SETTLE_MS);
    navigator.serviceWorker?.addEventListener('message', ({ data }: MessageEvent<{ type?: string; conversation?: unknown }>) => {
      if (data?.type === OPEN_MESSAGE && typeof data.conversation === 'string' && data.conversation) this.open = data.conversation;
    });
    await registerServiceWorker(new URL(this.swUrl, document.baseURI).href, { scope: new URL('./', document.baseURI).pathname, onUpdate: (apply) => (this.applyUpdate = apply) }).catch(
      (err: unknown) => console.warn('[parley] service worker not registered', err),
    );
    this.pushState = await parley().push.state();
  }

  private async togglePush(): Promise<void> {
    this.pushError = '';
    try {
      await (this.pushState === 'on' ? parley().push.disable() : parley().push.enable({ gateway: this.pushGateway }));
    } catch (err) {
      this.pushError = (err as Error).message;
    }
    this.pushState = await parley().push.state();
  }

  override render() {
    const status = this.status.value;
    const account = this.account.value;
    // Until the worker or storage answers, the page is drawn as it was last left: the chat, so that
    // every pane's first read goes out with the account's (a cold open waits for them), or the login
    // form, which a first visit waits for (storage is created then, and the worker starts).
    const loggedIn = this.signedIn() ?? this.leftSignedIn;
    const state = status?.state ?? (loggedIn ? 'connecting' : 'logged-out');
    const inRoom = !!this.open && !!this.rooms.value?.has(this.open);
    const blocked = loggedIn && this.open && !inRoom && !this.open.includes('/') ? this.isBlocked(this.open) : undefined;
    return html`
      <header part="header" data-view=${loggedIn && this.open ? 'conversation' : 'list'} data-state=${state}>
        <h1>Parley</h1>
        ${account && loggedIn ? html`<parley-profile .jid=${account.jid}></parley-profile><span class="jid">${account.jid}</span>` : nothing}
        <span class="status" role="status" data-state=${state}>${STATE_TEXT[state]}${status?.error && (state === 'offline' || state === 'connecting' || state === 'waiting') ? html` — ${status.error}` : nothing}</span>
        <span class="spacer"></span>
        ${blocked !== undefined ? html`<button class="block" aria-pressed=${blocked ? 'true' : 'false'} @click=${() => void this.toggleBlock(this.open, blocked)}>${blocked ? 'Unblock' : 'Block'}</button>` : nothing}
        ${loggedIn && this.open ? html`<button class="mute" aria-pressed=${this.muted.value ? 'true' : 'false'} @click=${this.toggleMute}>${this.muted.value ? 'Unmute' : 'Mute'} conversation</button>` : nothing}
        ${loggedIn && this.pushGateway && this.pushState && this.pushState !== 'unsupported' ? this.renderBell() : nothing}
        ${loggedIn ? this.renderPresence(account?.presence.show) : nothing}
        ${loggedIn ? html`<button class="logout" @click=${this.logout}>Log out</button>` : nothing}
      </header>
      ${status?.warning ? html`<div class="warning" role="alert">${status.warning}</div>` : nothing}
      ${this.applyUpdate ? html`<div class="update" role="alert">A new version of Parley is ready. <button @click=${this.applyUpdate}>Reload to update</button></div>` : nothing}
      ${loggedIn
        ? html`<div class=${`main${inRoom ? ' in-room' : ''}${inRoom && this.roomShown ? ' details' : ''}`} data-view=${this.open ? 'conversation' : 'list'}
            @parley-open=${(e: CustomEvent<string>) => void this.show(e.detail)}>
            <nav class="side" part="list" aria-label="Conversations and contacts">
              <parley-join></parley-join>
              <parley-conversations .selected=${this.open}></parley-conversations>
              <parley-roster .selected=${this.open}></parley-roster>
            </nav>
            <div class="chat">
              ${this.open ? this.renderChatBar(inRoom, blocked) : nothing}
              <p class="error block-error" role="alert">${this.blockError}</p>
              <parley-conversation part="conversation" exportparts="message" .jid=${this.open}></parley-conversation>
              <parley-composer part="composer" .jid=${this.open}></parley-composer>
            </div>
            ${inRoom ? html`<parley-room id="room-details" part="room" .jid=${this.open}></parley-room>` : nothing}
          </div>
          <parley-card class="contact-card"></parley-card>`
        : html`<parley-login .service=${this.service} .allowPlain=${this.allowPlain} .allowInsecure=${this.allowInsecure} .discoveryOrigin=${this.discoveryOrigin} .jid=${account?.jid ?? ''} .error=${status?.error ?? ''}></parley-login>`}
    `;
  }

  /**
   * Shown on a narrow screen only, on one line as chat apps do: back to the list, whose conversation
   * this is (cut short when long), a room's details, and the less used actions behind one menu.
   * `blocked` is undefined where blocking does not apply or the server does not offer it.
   */
  private renderChatBar(inRoom: boolean, blocked: boolean | undefined) {
    const slash = this.open.indexOf('/');
    const name = this.rooms.value?.get(this.open)?.name || (slash >= 0 ? this.open.slice(slash + 1) : displayName(this.open, { name: this.names.value?.get(this.open) }));
    const jid = this.open;
    const items: MenuItem[] = [
      ...(inRoom || slash >= 0 ? [] : [{ label: 'Contact card', name: 'card', run: () => void this.renderRoot.querySelector<ParleyCard>('parley-card.contact-card')!.open(jid) }]),
      ...(blocked === undefined ? [] : [{ label: blocked ? 'Unblock' : 'Block', name: 'block', run: () => void this.toggleBlock(jid, blocked) }]),
      { label: this.muted.value ? 'Unmute conversation' : 'Mute conversation', name: 'mute', run: this.toggleMute },
    ];
    return html`<div class="chat-bar">
      <button class="back" aria-label="Back to the conversation list" title="Back" @click=${this.back}>←</button>
      <parley-avatar .jid=${jid} .name=${name}></parley-avatar>
      <h2 dir="auto" title=${name}>${name}</h2>
      ${inRoom
        ? html`<button class="room-toggle" aria-controls="room-details" aria-expanded=${this.roomShown ? 'true' : 'false'}
            @click=${() => (this.roomShown = !this.roomShown)}>${this.roomShown ? 'Messages' : 'Room details'}</button>`
        : nothing}
      <parley-menu label=${`More actions for ${name}`} .items=${items}></parley-menu>
    </div>`;
  }

  private readonly toggleMute = () => void parley().api.mute(this.open, !this.muted.value);

  /** A conversation chosen in a list: open it, and type there next. */
  private async show(jid: string): Promise<void> {
    this.open = jid;
    await this.updateComplete;
    this.renderRoot.querySelector('parley-composer')?.focus();
  }

  /** Narrow screen: back to the list, on the row of the conversation just left. */
  private async back(): Promise<void> {
    const left = this.open;
    this.open = '';
    await this.updateComplete;
    const lists = [this.renderRoot.querySelector('parley-conversations'), this.renderRoot.querySelector('parley-roster')];
    for (const list of lists) if (await list?.focusRow(left)) return;
  }

  private async logout(): Promise<void> {
    this.open = '';
    await parley().api.logout();
  }

  /** Whether `jid` is blocked (XEP-0191); undefined until we know the server offers blocking. */
  private isBlocked(jid: string): boolean | undefined {
    const blocked = this.blocked.value;
    if (!blocked || !this.canBlock) {
      // Known once online: whether our server offers blocking (asked again until the worker knows it is there).
      if (this.status.value?.state === 'online' && !this.askedBlocking) {
        this.askedBlocking = true;
        void parley().api.blockingSupport().then(
          (s) => {
            this.canBlock = s.blocking;
            this.askedBlocking = s.blocking;
          },
          () => (this.askedBlocking = false),
        );
      }
      return undefined;
    }
    return blocked.includes(jid);
  }

  /** Blocks or unblocks the person of the open conversation; a refusal (offline, the server's) is shown beside it. */
  private async toggleBlock(jid: string, blocked: boolean): Promise<void> {
    this.blockError = '';
    try {
      await (blocked ? parley().api.unblock(jid) : parley().api.block(jid));
    } catch (err) {
      if (this.open === jid) this.blockError = `${blocked ? 'Unblocking' : 'Blocking'} failed: ${(err as Error).message}`;
    }
  }

  private renderBell() {
    const on = this.pushState === 'on';
    const label = this.pushState === 'denied' ? 'Notifications are blocked for this site' : on ? 'Turn notifications off' : 'Turn notifications on';
    return html`<button class="bell" aria-pressed=${on ? 'true' : 'false'} aria-label=${label} title=${this.pushError || label} ?disabled=${this.pushState === 'denied'} @click=${this.togglePush}>
      ${on ? BELL : BELL_OFF}</button>${this.pushError ? html`<span role="alert">${this.pushError}</span>` : nothing}`;
  }

  private renderPresence(show: Show | undefined) {
    const change = (e: Event) => {
      const value = (e.target as HTMLSelectElement).value;
      void parley().api.setPresence((value || undefined) as Show | undefined);
    };
    return html`<label>
      <span class="visually-hidden">Your presence</span>
      <select @change=${change} .value=${show ?? ''}>
        <option value="">Available</option>
        <option value="chat">Free to chat</option>
        <option value="away">Away</option>
        <option value="xa">Away for long</option>
        <option value="dnd">Busy</option>
      </select>
    </label>`;
  }
}
// A task after the bundle ran, not in it: upgrading the page's <parley-client> starts the worker,
// storage and the other elements, and together with compiling and running the bundle that made one
// task of over 50 ms on a new profile here. (Wait for it with customElements.whenDefined.)
setTimeout(() => customElements.define('parley-client', ParleyClient));
