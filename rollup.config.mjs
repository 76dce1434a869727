import { nodeResolve } from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import esbuild from 'rollup-plugin-esbuild';
import { injectManifest } from 'workbox-build';

const production = process.env.NODE_ENV !== 'development';

// @xmpp/resolve imports node:dns for SRV lookups, which browsers cannot do; its browser field misses it.
const noNodeDns = {
  name: 'no-node-dns',
  resolveId: (id) => (id === 'node:dns' || id === 'dns' ? '\0empty' : null),
  load: (id) => (id === '\0empty' ? 'export default {}; export const promises = {};' : null),
};

// lit-html 3.3.1-3.3.3 (pinned in package.json): removePart() leaves each removed part's end
// marker behind (lit/lit#5298), so a conversation that keeps its newest rows gained one comment node
// per message, and every row removal got slower: 300 → 150 msg/s over 35,000 messages. Removes the
// end marker too; the build fails when the code changed, so an update is looked at again.
const litRemovePart = {
  name: 'lit-remove-part',
  transform(code, id) {
    if (!/lit-html[\\/](development[\\/])?directive-helpers\.js$/.test(id)) return null;
    const fixed = code
      .replace(/(\w)\._\$AR\(\),\1\._\$AA\.remove\(\)/, '$&,$1._$AB?.remove()')
      .replace('part._$clear();\n    part._$startNode.remove();', '$&\n    part._$endNode?.remove();');
    if (fixed === code) this.error('lit-html removePart() is not the code patched here: check lit/lit#5298 again');
    return { code: fixed, map: null };
  },
};

// xmpp.js has import cycles of its own that are harmless; ours would not be.
const onwarn = (warning, warn) => {
  if (warning.code === 'CIRCULAR_DEPENDENCY' && warning.ids?.every((id) => id.includes('node_modules'))) return;
  warn(warning);
};

// A later build takes over from an earlier one running in the same origin (src/worker/lock.ts).
const build = JSON.stringify(`parley-build:${new Date().toISOString()}`);

// Workbox picks its dev or production code by process.env.NODE_ENV, which browsers do not have.
const plugins = () => [
  noNodeDns,
  litRemovePart,
  nodeResolve({ browser: true, preferBuiltins: false }),
  commonjs(),
  esbuild({ target: 'es2022', minify: production, sourceMap: true, define: { __PARLEY_BUILD__: build, 'process.env.NODE_ENV': JSON.stringify(production ? 'production' : 'development') } }),
];

// The demo's app shell, precached by dist/parley-sw.js: URLs relative to the Service Worker's own.
const precacheShell = {
  name: 'precache-shell',
  async writeBundle() {
    const { warnings } = await injectManifest({
      swSrc: 'dist/parley-sw.js',
      swDest: 'dist/parley-sw.js',
      globDirectory: '.',
      globPatterns: ['dist/parley.js', 'dist/parley-worker.js', 'dist/parley-intl.js', 'demo/*.{html,webmanifest}', 'demo/icons/*.png'],
      modifyURLPrefix: { 'dist/': '', 'demo/': '../' },
      manifestTransforms: [async (entries) => ({ manifest: entries.map((e) => (e.url === '../index.html' ? { ...e, url: '../' } : e)) })],
    });
    for (const w of warnings) this.warn(w);
  },
};

// Self-contained files: the page entry with the elements, the bare client for apps with their own
// UI, and the SharedWorker, which pages load by URL.
export default [
  { input: 'src/parley.ts', output: { file: 'dist/parley.js', format: 'es', sourcemap: true }, plugins: plugins(), onwarn },
  { input: 'src/client/index.ts', output: { file: 'dist/parley-client.js', format: 'es', sourcemap: true }, plugins: plugins(), onwarn },
  { input: 'src/worker/index.ts', output: { file: 'dist/parley-worker.js', format: 'es', sourcemap: true }, plugins: plugins(), onwarn },
  // A worker that only loads the locale data into the page's process (src/elements/warm-intl.ts).
  { input: 'src/elements/intl-worker.ts', output: { file: 'dist/parley-intl.js', format: 'es', sourcemap: false }, plugins: plugins(), onwarn },
  // The Service Worker (a classic script: no imports left once bundled), then its precache list.
  { input: 'src/sw/index.ts', output: { file: 'dist/parley-sw.js', format: 'es', sourcemap: false }, plugins: [...plugins(), precacheShell], onwarn },
  // Parley's handlers for a site's own Service Worker.
  { input: 'src/sw/handlers.ts', output: { file: 'dist/parley-sw-handlers.js', format: 'es', sourcemap: true }, plugins: plugins(), onwarn },
];
