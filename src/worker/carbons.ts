/**
 * Message Carbons (XEP-0280): copies of what our other devices send and receive, so every
 * conversation shows the whole exchange. This enables them; the envelope stage (envelope.ts)
 * checks and unwraps each copy, and the plugins take it like any other message.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { NS_CARBONS } from './envelope.js';
import type { Plugin, PluginContext } from './plugin.js';
import type { Feature } from './feature.js';

export { NS_CARBONS };

export const feature: Feature = { disco: [NS_CARBONS] };

export function buildEnable(): Element {
  return xml('enable', { xmlns: NS_CARBONS });
}

export function carbons(ctx: PluginContext): Plugin {
  // Bind2 (XEP-0386) enables carbons in the login itself where the server offers it.
  let inline = false;
  ctx.xmpp.bind2.use(NS_CARBONS, buildEnable, (el) => (inline = el.is('enabled', NS_CARBONS)));
  return {
    async online() {
      const enabled = inline;
      inline = false;
      if (enabled) return;
      // The server forgets this with the session; a resumed stream keeps it.
      try {
        await ctx.xmpp.iqCaller.set(buildEnable());
      } catch (err) {
        ctx.log('carbons not enabled: messages from other devices will not show here', err);
      }
    },
  };
}
