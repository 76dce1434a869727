#!/usr/bin/env node
// Installs what the project needs, only when missing. Builtins only: this runs before node_modules exists.
// Usage: node scripts/ensure.mjs [npm] [prosody] [ejabberd] [chromium] [fonts]
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wanted = process.argv.slice(2);
const known = ['npm', 'prosody', 'ejabberd', 'chromium', 'fonts'];
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
  const modules = join(root, 'node_modules');
  // A symlinked node_modules is an install shared with other checkouts: `npm ci` here would empty it under them.
  const shared = existsSync(modules) && lstatSync(modules).isSymbolicLink();
  if (!shared && (!existsSync(modules) || (hasLock && mtime(lock) > mtime(installed)))) {
    const cmd = hasLock ? 'ci' : 'install';
    console.log(`ensure: npm ${cmd}`);
    run('npm', [cmd, '--no-audit', '--no-fund'], { cwd: root });
  }
}

// Debian packages per target, with the least version that will do; '' means any.
// Prosody 13, its community modules and ejabberd 24.12 come from bookworm-backports.
const PACKAGES = {
  prosody: { prosody: '13', 'prosody-modules': '0.0~hg20250402', 'lua-dbi-sqlite3': '' },
  ejabberd: { ejabberd: '24.12', 'erlang-p1-sqlite3': '' },
  chromium: { chromium: '' },
  // Emoji and symbols in the screenshots (the reactions, the bell, ⓘ), not boxes.
  fonts: { 'fonts-noto-color-emoji': '', 'fonts-symbola': '' },
};
const BACKPORTS = ['prosody', 'prosody-modules', 'ejabberd', 'erlang-p1-sqlite3'];

/** Installed versions, by one dpkg-query call (a few ms): the whole check when nothing is missing. */
function installedVersions(pkgs) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status} ${Version}\\n', ...pkgs], { encoding: 'utf8' });
  const versions = new Map();
  for (const line of (r.stdout ?? '').split('\n')) {
    const m = /^(\S+?)(?::\S+)? install ok installed (\S+)$/.exec(line);
    if (m) versions.set(m[1], m[2]);
  }
  return versions;
}
const atLeast = (version, min) => !min || spawnSync('dpkg', ['--compare-versions', version, 'ge', min]).status === 0;

const wantedPkgs = Object.assign({}, ...wanted.filter((w) => w in PACKAGES).map((w) => PACKAGES[w]));
const versions = installedVersions(Object.keys(wantedPkgs));
const apt = Object.entries(wantedPkgs)
  .filter(([pkg, min]) => !versions.has(pkg) || !atLeast(versions.get(pkg), min))
  .map(([pkg]) => pkg);

if (apt.length) {
  const asRoot = process.getuid?.() === 0;
  const sudo = (args) => (asRoot ? ['env', args] : ['sudo', ['env', ...args]]);
  const env = ['DEBIAN_FRONTEND=noninteractive'];
  const fromBackports = apt.some((p) => BACKPORTS.includes(p));
  if (fromBackports) addBackports(sudo);
  console.log(`ensure: apt-get install ${apt.join(' ')}`);
  run(...sudo([...env, 'apt-get', 'update']));
  run(...sudo([...env, 'apt-get', 'install', '-y', ...(fromBackports ? ['-t', 'bookworm-backports'] : []), ...apt]), {
    stdio: ['inherit', 'pipe', 'pipe'],
  });
  if (apt.includes('prosody') || apt.includes('ejabberd')) stopSystemServers(sudo);
  const after = installedVersions(apt);
  const still = apt.filter((p) => !after.has(p) || !atLeast(after.get(p), wantedPkgs[p]));
  if (still.length) fail(`still missing or too old after apt-get install: ${still.join(', ')}`);
}

/** Adds Debian's bookworm-backports suite (same archive and keyring as the machine's Debian sources) unless a source has it. */
function addBackports(sudo) {
  const dir = '/etc/apt/sources.list.d';
  const files = ['/etc/apt/sources.list', ...(existsSync(dir) ? readdirSync(dir).filter((f) => /\.(list|sources)$/.test(f)).map((f) => join(dir, f)) : [])];
  if (files.some((f) => existsSync(f) && /^[^#]*bookworm-backports/m.test(readFileSync(f, 'utf8')))) return;
  const entry = [
    'Types: deb',
    'URIs: http://deb.debian.org/debian',
    'Suites: bookworm-backports',
    'Components: main',
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
    '',
  ].join('\n');
  console.log('ensure: adding the Debian suite bookworm-backports');
  run(...sudo(['sh', '-c', `cat > ${join(dir, 'parley-backports.sources')}`]), { input: entry });
}

// The packages' postinst may start the system services, which would hold 5222/5269/5280/5443 and epmd's 4369.
function stopSystemServers(sudo) {
  const quiet = { stdio: 'ignore' };
  for (const service of ['prosody', 'ejabberd']) spawnSync(...sudo(['service', service, 'stop']), quiet);
  for (const pidfile of ['/run/prosody/prosody.pid', '/run/ejabberd/ejabberd.pid']) {
    if (!existsSync(pidfile)) continue;
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    if (pid > 0) spawnSync(...sudo(['kill', String(pid)]), quiet);
  }
  // The system ejabberd's epmd outlives it; it exits only when no node is registered with it.
  if (existsSync('/usr/bin/epmd')) spawnSync(...sudo(['epmd', '-kill']), quiet);
}
