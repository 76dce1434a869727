#!/usr/bin/env node
// Installs what the project needs, only when missing. Builtins only: this runs before node_modules exists.
// Usage: node scripts/ensure.mjs [npm] [prosody] [chromium]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wanted = process.argv.slice(2);
const known = ['npm', 'prosody', 'chromium'];
for (const w of wanted) if (!known.includes(w)) fail(`unknown target "${w}" (expected: ${known.join(', ')})`);

function fail(msg) {
  console.error(`ensure: ${msg}`);
  process.exit(1);
}

/** Runs a command quietly; on failure prints the tail of its output and exits. */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) fail(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    fail(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${out}`);
  }
  return r;
}

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : -1);

if (wanted.includes('npm')) {
  const lock = join(root, 'package-lock.json');
  const installed = join(root, 'node_modules', '.package-lock.json');
  const hasLock = existsSync(lock);
  if (!existsSync(join(root, 'node_modules')) || (hasLock && mtime(lock) > mtime(installed))) {
    const cmd = hasLock ? 'ci' : 'install';
    console.log(`ensure: npm ${cmd}`);
    run('npm', [cmd, '--no-audit', '--no-fund'], { cwd: root });
  }
}

const dpkgInstalled = (pkg) =>
  spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).stdout?.includes('install ok installed') ?? false;

const apt = [];
if (wanted.includes('prosody')) {
  const missing =
    !existsSync('/usr/bin/prosody') ||
    !existsSync('/usr/lib/prosody/modules/mod_cloud_notify') || // Debian's prosody-modules installs here
    !dpkgInstalled('lua-dbi-sqlite3');
  if (missing) apt.push('prosody', 'prosody-modules', 'lua-dbi-sqlite3');
}
if (wanted.includes('chromium') && !existsSync('/usr/bin/chromium')) apt.push('chromium');

if (apt.length) {
  const asRoot = process.getuid?.() === 0;
  const sudo = (args) => (asRoot ? ['env', args] : ['sudo', ['env', ...args]]);
  const env = ['DEBIAN_FRONTEND=noninteractive'];
  console.log(`ensure: apt-get install ${apt.join(' ')}`);
  run(...sudo([...env, 'apt-get', 'update']));
  run(...sudo([...env, 'apt-get', 'install', '-y', ...apt]), { stdio: ['inherit', 'pipe', 'pipe'] });
  if (apt.includes('prosody')) stopSystemProsody(sudo);
  if (apt.includes('prosody') && !existsSync('/usr/bin/prosody')) fail('prosody still missing after apt-get install');
  if (apt.includes('chromium') && !existsSync('/usr/bin/chromium')) fail('chromium still missing after apt-get install');
}

// The package's postinst may start the system service, which would hold 5222/5269/5280.
function stopSystemProsody(sudo) {
  spawnSync(...sudo(['service', 'prosody', 'stop']), { stdio: 'ignore' });
  const pidfile = '/run/prosody/prosody.pid';
  if (!existsSync(pidfile)) return;
  const pid = Number(readFileSync(pidfile, 'utf8').trim());
  if (pid > 0) spawnSync(...sudo(['kill', String(pid)]), { stdio: 'ignore' });
}
