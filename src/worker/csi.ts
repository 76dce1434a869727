/**
 * Client State Indication (XEP-0352): tell the server whether anyone is looking, so it can hold back
 * what is not urgent (presence floods) while every tab is hidden.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { Plugin, PluginContext } from './plugin.js';

export const NS_CSI = 'urn:xmpp:csi:0';

export const buildState = (active: boolean): Element => xml(active ? 'active' : 'inactive', { xmlns: NS_CSI });

/** Which pages are visible; the client is active while at least one is. */
export class Visibility {
  private readonly visible = new Set<string>();
  /** When the last visible page was hidden (XEP-0319 idle); unset while active or before any page was seen. */
  inactiveSince: number | undefined;

  /** Returns whether the overall state changed. */
  set(page: string, isVisible: boolean, now = Date.now()): boolean {
    const before = this.active;
    if (isVisible) this.visible.add(page);
    else this.visible.delete(page);
    if (before === this.active) return false;
    this.inactiveSince = this.active ? undefined : now;
    return true;
  }

  get active(): boolean {
    return this.visible.size > 0;
  }
}

export interface CsiPlugin extends Plugin {
  pageVisible(page: string, visible: boolean): Promise<void>;
}

/** `visibility` outlives sessions: pages report to the service, not to one connection. */
export function csi(ctx: PluginContext, visibility: Visibility): CsiPlugin {
  let offered = false;
  ctx.xmpp.on('nonza', (el: Element) => {
    if (el.is('features', 'http://etherx.jabber.org/streams')) offered ||= !!el.getChild('csi', NS_CSI);
  });
  const tell = async () => {
    if (offered && ctx.xmpp.status === 'online') await ctx.xmpp.send(buildState(visibility.active));
  };
  // With Bind2 (XEP-0386) a hidden client says so in the login itself.
  let inline = false;
  ctx.xmpp.bind2.use(NS_CSI, () => {
    inline = !visibility.active;
    return inline ? buildState(false) : undefined;
  });
  return {
    // A new stream starts active (XEP-0352 §5); a resumed one keeps what it had, which may be stale.
    async online() {
      const told = inline;
      inline = false;
      if (!visibility.active && !told) await tell();
    },
    resumed: tell,
    async pageVisible(page, visible) {
      if (visibility.set(page, visible)) await tell();
    },
  };
}
