/**
 * `npm test`: type check, build, unit and component tests in Chromium (web-test-runner), then the
 * end-to-end suites against real servers (node:test + puppeteer-core). Ends with one summary line.
 * One file on one server: `PARLEY_SERVER=ejabberd node --import tsx scripts/test.ts test/e2e/mam.test.ts`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverKind, type ServerKind } from './lib/server.js';

interface Counts {
  passed: number;
  failed: number;
  /** Known failures marked todo in their files: reported, counted in neither. */
  todo?: number;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function readCounts(file: string): Promise<Counts | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Counts;
  } catch {
    return undefined;
  }
}

const only = process.argv.slice(2); // e.g. `npm test -- test/e2e/tabs.test.ts`
const tmp = await mkdtemp(join(tmpdir(), 'parley-test-'));
const total: Counts = { passed: 0, failed: 0 };
const step = (name: string, ok: boolean) => {
  ok ? total.passed++ : total.failed++;
  if (!ok) console.error(`✖ ${name} failed`);
};

step('type check', (await run('npx', ['tsc', '--noEmit', '-p', '.'])) === 0);
const built = (await run('npm', ['run', '--silent', 'build'])) === 0;
step('build', built);

const unitFile = join(tmp, 'unit.json');
const wanted = (dir: string) => (only.length ? only.filter((f) => f.includes(dir)) : null);
// The unit folder named stands for its test files (not the helpers beside them).
const unit = wanted('test/unit/')?.map((f) => (f.endsWith('/') ? `${f}**/*.test.ts` : f)) ?? null;
if (!unit || unit.length) {
  const code = await run('npx', ['web-test-runner', ...(unit ? ['--files', ...unit] : [])], { PARLEY_COUNTS: unitFile });
  const counts = await readCounts(unitFile);
  if (counts) {
    total.passed += counts.passed;
    total.failed += counts.failed;
  }
  if (!counts || (code !== 0 && counts.failed === 0)) step('unit test runner', false);
}

// The whole e2e suite on the default server; the login, reconnect, delivery, archive, bookmark and invitation
// suites again on a server without SASL2 and on ejabberd, and group chat and push again on ejabberd. Naming
// files (or PARLEY_SERVER) runs just those, on that server.
const CROSS = ['login-and-bad-input', 'local-first', 'delivery', 'mam', 'bookmarks', 'invitations', 'registration', 'credentials'].map((n) => `test/e2e/${n}.test.ts`);
// Group chat, push, services (time, version, idle, blocking) and the hostile corpus go through the server's
// own modules (the SASL1 Prosody has the same as the default one).
const ON_EJABBERD = [...CROSS, ...['muc', 'muc-parts', 'push-gateway', 'push', 'services', 'subscriptions', 'hostile-corpus'].map((n) => `test/e2e/${n}.test.ts`)];
const e2e = wanted('test/e2e/');
if (built && (!e2e || e2e.length)) {
  const all = (await readdir('test/e2e')).filter((f) => f.endsWith('.test.ts')).sort().map((f) => `test/e2e/${f}`);
  const runs: { server: ServerKind; files: string[] }[] = [{ server: serverKind(), files: e2e ?? all }];
  if (!e2e && !process.env.PARLEY_SERVER) runs.push({ server: 'prosody-sasl1', files: CROSS }, { server: 'ejabberd', files: ON_EJABBERD });
  const lines: string[] = [];
  for (const [i, { server, files }] of runs.entries()) {
    console.log(`\n=== e2e on ${server}: ${files.length} file(s) ===`);
    const started = Date.now();
    const e2eFile = join(tmp, `e2e-${i}.json`);
    const code = await run('node', [
      '--import', 'tsx',
      '--test', '--test-concurrency=1', '--test-timeout=180000',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=./scripts/lib/node-test-counts.mjs', `--test-reporter-destination=${e2eFile}`,
      ...files,
    ], { PARLEY_SERVER: server });
    const counts = await readCounts(e2eFile);
    if (counts) {
      total.passed += counts.passed;
      total.failed += counts.failed;
    }
    if (!counts || (code !== 0 && counts.failed === 0)) step(`end-to-end test runner on ${server}`, false);
    const todo = counts?.todo ? `, ${counts.todo} known failure(s) marked todo` : '';
    const line = `e2e on ${server}: ${counts?.passed ?? 0} passed, ${counts?.failed ?? 0} failed${todo} in ${((Date.now() - started) / 1000).toFixed(0)} s`;
    console.log(`=== ${line} ===`);
    lines.push(line);
  }
  if (runs.length > 1) console.log(`\n${lines.join('\n')}`);
}

await rm(tmp, { recursive: true, force: true });
console.log(`tests: ${total.passed} passed, ${total.failed} failed`);
process.exit(total.failed === 0 && total.passed > 0 ? 0 : 1);
