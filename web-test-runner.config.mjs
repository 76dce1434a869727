import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { defaultReporter } from '@web/test-runner';
import { CHROMIUM, CHROMIUM_ARGS } from './scripts/lib/chromium.mjs';

/**
 * Serves each test file bundled by esbuild, as rollup bundles the product: xmpp.js pulls in
 * CommonJS packages (events, ltx/lib) that cannot be served to a browser one file at a time.
 */
const noNodeDns = {
  name: 'no-node-dns',
  setup(b) {
    b.onResolve({ filter: /^(node:)?dns$/ }, () => ({ path: 'dns', namespace: 'empty' }));
    b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export default {};', loader: 'js' }));
  },
};

const bundleTests = {
  name: 'bundle-tests',
  async serve(ctx) {
    if (!ctx.path.endsWith('.test.ts')) return undefined;
    const result = await build({
      entryPoints: [join(process.cwd(), ctx.path)],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      platform: 'browser',
      write: false,
      sourcemap: 'inline',
      logLevel: 'silent',
      // @xmpp/resolve imports node:dns (SRV lookups), as in rollup.config.mjs: nothing to resolve in a browser.
      plugins: [noNodeDns],
    });
    return { body: result.outputFiles[0].text, type: 'js' };
  },
};

/** Writes pass/fail counts for the summary line printed by scripts/test.ts. */
function countingReporter(file) {
  return {
    onTestRunFinished({ sessions }) {
      let passed = 0;
      let failed = 0;
      const walk = (suite) => {
        for (const t of suite.tests) if (!t.skipped) t.passed ? passed++ : failed++;
        for (const s of suite.suites) walk(s);
      };
      for (const s of sessions) {
        if (s.testResults) walk(s.testResults);
        // A file that failed to load counts as a failure, not as nothing.
        if (!s.passed && (s.errors?.length ?? 0) > 0) failed++;
      }
      if (file) writeFileSync(file, JSON.stringify({ passed, failed }));
    },
  };
}

export default {
  files: ['test/unit/**/*.test.ts'],
  plugins: [bundleTests],
  browsers: [chromeLauncher({ launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS } })],
  reporters: [defaultReporter(), countingReporter(process.env.PARLEY_COUNTS)],
  testFramework: { config: { timeout: 10000 } },
};
