/**
 * Worker and Service Worker scripts are a Trusted Types sink: on a page that requires Trusted Types
 * (`require-trusted-types-for 'script'`), a plain string URL is refused. Parley's own policy,
 * `parley`, takes only scripts of the page's own origin, so a worker URL set on an element cannot
 * load a script from elsewhere. Pages without Trusted Types get the URL as it is.
 */
import type { TrustedTypePolicy, TrustedTypePolicyFactory } from 'trusted-types/lib';

let policy: Pick<TrustedTypePolicy, 'createScriptURL'> | undefined;

export function scriptUrl(url: string | URL): string {
  const factory = (globalThis as { trustedTypes?: TrustedTypePolicyFactory }).trustedTypes;
  if (!factory) return String(url);
  const own = (policy ??= factory.createPolicy('parley', { createScriptURL: sameOrigin }));
  // A TrustedScriptURL, which the sinks take where they take strings (the DOM typings know only strings).
  return own.createScriptURL(String(url)) as unknown as string;
}

function sameOrigin(url: string): string {
  const parsed = new URL(url, location.href);
  if (parsed.origin !== location.origin) throw new TypeError(`Parley runs scripts of this site only, not of ${parsed.origin}`);
  return parsed.href;
}
