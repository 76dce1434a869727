/**
 * Builds the plugin test page (plugin-page/page.ts) with esbuild, as rollup bundles the worker, into
 * a temporary directory to mount beside the demo; `open` loads it and waits for its API.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Page } from 'puppeteer-core';
import type { Profile } from './browser.js';
import type { PluginPageApi } from './plugin-page/page.js';

export async function buildPluginPage(): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-plugin-page-'));
  const here = new URL('./plugin-page/', import.meta.url).pathname;
  await build({
    entryPoints: [join(here, 'page.ts')],
    outfile: join(dir, 'page.js'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    logLevel: 'silent',
    // @xmpp/resolve imports node:dns (SRV lookups): nothing to resolve in a browser.
    plugins: [{
      name: 'no-node-dns',
      setup(b) {
        b.onResolve({ filter: /^(node:)?dns$/ }, () => ({ path: 'dns', namespace: 'empty' }));
        b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export default {};', loader: 'js' }));
      },
    }],
  });
  await copyFile(join(here, 'index.html'), join(dir, 'index.html'));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** A new tab on the plugin page at `url`, once its API is there. */
export async function openPluginPage(profile: Profile, url: string): Promise<Page> {
  const page = await profile.browser.newPage();
  if (process.env.PARLEY_DEBUG) page.on('console', (m) => console.log(`[plugins] ${m.text()}`));
  await page.goto(url);
  await page.waitForFunction('!!globalThis.parleyPlugins');
  return page;
}

/** Calls the plugin page's API (`window.parleyPlugins`) in `page`. */
export const callPlugin = <K extends keyof PluginPageApi>(page: Page, method: K, ...args: Parameters<PluginPageApi[K]>) =>
  page.evaluate(
    (m, a) => (globalThis as unknown as { parleyPlugins: Record<string, (...x: unknown[]) => unknown> }).parleyPlugins[m]!(...a),
    method,
    args as unknown[],
  ) as Promise<Awaited<ReturnType<PluginPageApi[K]>>>;
