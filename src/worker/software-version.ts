/**
 * Software Version (XEP-0092): our name and version answered to whoever asks. The operating system
 * is optional and left out: it tells strangers more about the user's machine than they need.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { Feature } from './feature.js';
import type { Plugin, PluginContext } from './plugin.js';

export const NS_VERSION = 'jabber:iq:version';
export const PARLEY_VERSION = '0.1.0';

export const feature: Feature = { disco: [NS_VERSION] };

export const buildVersion = (name = 'Parley', version = PARLEY_VERSION): Element =>
  xml('query', { xmlns: NS_VERSION }, xml('name', {}, name), xml('version', {}, version));

export function softwareVersion(ctx: PluginContext): Plugin {
  ctx.xmpp.iqCallee.get(NS_VERSION, 'query', () => buildVersion());
  return {};
}
