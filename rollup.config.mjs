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
      globPatterns: ['dist/parley.js', 'dist/parley-worker.js', 'demo/*.{html,webmanifest}', 'demo/icons/*.png'],
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
  // The Service Worker (a classic script: no imports left once bundled), then its precache list.
  { input: 'src/sw/index.ts', output: { file: 'dist/parley-sw.js', format: 'es', sourcemap: false }, plugins: [...plugins(), precacheShell], onwarn },
  // Parley's handlers for a site's own Service Worker.
  { input: 'src/sw/handlers.ts', output: { file: 'dist/parley-sw-handlers.js', format: 'es', sourcemap: true }, plugins: plugins(), onwarn },
];
