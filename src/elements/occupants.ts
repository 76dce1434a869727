import { LitElement, html, css, nothing } from 'lit';
import { parley, listOccupants, getRoom, type OccupantRecord } from '../client/index.js';
import type { Affiliation, Role } from '../shared/records.js';
import { LiveQuery } from './live.js';
import { VisibleRows } from './visible-rows.js';
import { base } from './styles.js';

const ROLE_TEXT: Record<Role, string> = { moderator: 'moderator', participant: '', visitor: 'no voice', none: '' };

/**
 * A room's occupants, virtualised, with their role. Choosing one offers a private conversation and
 * what a moderator or admin may do to them (kick, ban, voice, moderator, admin, owner).
 */
export class ParleyOccupants extends LitElement {
  static override properties = { room: { type: String }, chosen: { state: true }, error: { state: true } };
  static override styles = [
    base,
    css`
      :host { display: flex; flex-direction: column; min-height: 0; }
      h3 { font-size: 0.9em; margin: 0.3em 0.5em; }
      .viewport { flex: 1; overflow-y: auto; min-height: 6em; }
      ul { list-style: none; margin: 0; padding: 0; }
      li.occupant { height: 30px; display: flex; }
      li button { flex: 1; border: none; border-radius: 0; text-align: left; display: flex; gap: 0.5em; overflow: hidden; white-space: nowrap; padding: 0 0.5em; }
      li button[aria-pressed='true'] { background: var(--_bubble-out); }
      .role { color: var(--_muted); font-size: 0.8em; }
      .actions { display: flex; flex-wrap: wrap; gap: 0.3em; padding: 0.3em 0.5em; border-top: 1px solid var(--_line); }
      .actions button { font-size: 0.8em; }
    `,
  ];

  declare room: string;
  declare chosen: string;
  declare error: string;
  private readonly occupants = new LiveQuery(this, (db) => (this.room ? listOccupants(db, this.room) : Promise.resolve([])), (c) => c.stores.includes('occupants'));
  private readonly self = new LiveQuery(this, (db) => (this.room ? getRoom(db, this.room) : Promise.resolve(undefined)), (c) => c.stores.includes('rooms'));
  /** Rooms have thousands of occupants: only the rows near the screen are drawn. */
  private readonly rows = new VisibleRows(this, () => this.occupants.value?.length ?? 0);

  constructor() {
    super();
    this.room = '';
    this.chosen = '';
    this.error = '';
  }

  override updated(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('room')) {
      this.chosen = '';
      void this.occupants.refresh();
      void this.self.refresh();
    }
  }

  override render() {
    const all = this.occupants.value ?? [];
    const [start, end] = this.rows.range();
    const chosen = all.find((o) => o.nick === this.chosen);
    return html`<h3 id="occupants-h">${all.length} in the room</h3>
      <div class="viewport">
        <ul aria-labelledby="occupants-h">
          <li data-spacer aria-hidden="true" style="height:${this.rows.before()}"></li>
          ${all.slice(start, end).map((o, i) => this.renderOne(o, start + i, all.length))}
          <li data-spacer aria-hidden="true" style="height:${this.rows.after()}"></li>
        </ul>
      </div>
      ${chosen ? this.renderActions(chosen) : nothing}
      <p class="error" role="alert">${this.error}</p>`;
  }

  /** Occupant `o`, row `index` of `count`: told to assistive technology, which sees only the rows drawn. */
  private renderOne(o: OccupantRecord, index: number, count: number) {
    return html`<li class="occupant" data-nick=${o.nick} aria-posinset=${index + 1} aria-setsize=${count}>
      <button aria-pressed=${this.chosen === o.nick ? 'true' : 'false'} @click=${() => (this.chosen = this.chosen === o.nick ? '' : o.nick)}>
        <bdi class="nick" dir="auto">${o.nick}</bdi><span class="role">${ROLE_TEXT[o.role]}${o.affiliation === 'owner' || o.affiliation === 'admin' ? ` ${o.affiliation}` : ''}</span>
      </button>
    </li>`;
  }

  /** What we may do to `o`: the room decides in the end; this offers what our role and affiliation allow. */
  private renderActions(o: OccupantRecord) {
    const me = this.self.value;
    const moderator = me?.role === 'moderator';
    const admin = me?.affiliation === 'owner' || me?.affiliation === 'admin';
    const owner = me?.affiliation === 'owner';
    const role = (r: Role, label: string) => html`<button @click=${() => this.act(() => parley().api.setRole(this.room, o.nick, r))}>${label}</button>`;
    const affiliation = (a: Affiliation, label: string) =>
      o.jid ? html`<button @click=${() => this.act(() => parley().api.setAffiliation(this.room, o.jid!, a))}>${label}</button>` : nothing;
    return html`<div class="actions" role="group" aria-label=${`Actions for ${o.nick}`}>
      ${o.nick !== me?.nick ? html`<button class="private" @click=${() => this.privately(o.nick)}>Message privately</button>` : nothing}
      ${moderator ? html`${role('none', 'Kick')}${o.role === 'visitor' ? role('participant', 'Give voice') : role('visitor', 'Take voice')}` : nothing}
      ${admin ? html`${affiliation('outcast', 'Ban')}${o.role !== 'moderator' ? role('moderator', 'Make moderator') : nothing}${affiliation('member', 'Make member')}` : nothing}
      ${owner ? html`${affiliation('admin', 'Make admin')}${affiliation('owner', 'Make owner')}` : nothing}
    </div>`;
  }

  /** Opens the private conversation with an occupant (their full JID in the room). */
  private privately(nick: string): void {
    this.dispatchEvent(new CustomEvent('parley-open', { detail: `${this.room}/${nick}`, bubbles: true, composed: true }));
  }

  private async act(run: () => Promise<void>): Promise<void> {
    this.error = '';
    try {
      await run();
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }
}
customElements.define('parley-occupants', ParleyOccupants);
