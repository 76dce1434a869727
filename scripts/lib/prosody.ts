// An embedded Prosody 13 for tests and the demo: own config, ports and data under a temp dir.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { childServer, freePorts, onExit, type ServerOptions, type XmppServer } from './server.js';

export interface ProsodyOptions extends ServerOptions {
  /** The SASL2 (XEP-0388), Bind2 (XEP-0386) and FAST (XEP-0484) community modules; default true. */
  sasl2?: boolean;
  storage?: 'internal' | 'sqlite'; // default 'sqlite'
  modules?: string[]; // enabled in addition to the defaults
  extraConfig?: string; // Lua appended after `VirtualHost HOST`: host options or Component sections
}

export interface Prosody extends XmppServer {
  kind: 'prosody' | 'prosody-sasl1';
  boshUrl: string; // http://127.0.0.1:PORT/http-bind
  /** As XmppServer's; smacks-hibernating sessions are included unless `hibernating: false`. */
  sessions(user: string, opts?: { hibernating?: boolean }): Promise<string[]>;
  /** Evaluates one line of Lua in Prosody's global environment (admin socket); returns the shell's text, e.g. "Result: 42". */
  eval(lua: string): Promise<string>;
}

export const isProsody = (s: XmppServer): s is Prosody => s.kind === 'prosody' || s.kind === 'prosody-sasl1';

// Core modules of Prosody 13 (smacks, csi, bookmarks, cloud_notify... all ship with it now).
const MODULES = [
  'roster', 'saslauth', 'disco', 'carbons', 'pep', 'private', 'blocklist', 'vcard4', 'vcard_legacy',
  'version', 'uptime', 'time', 'ping', 'register', 'admin_shell', 'admin_socket', 'websocket', 'bosh',
  'smacks', 'mam', 'csi', 'csi_simple', 'bookmarks', 'http', 'offline',
];
// From prosody-modules; Debian installs them beside the core ones (/usr/lib/prosody/modules/mod_NAME/), so no plugin_paths.
const SASL2_MODULES = ['sasl2', 'sasl2_bind2', 'sasl2_sm', 'sasl2_fast'];

/** A Lua string literal for any text (decimal escapes work in every Lua version). */
function luaStr(s: string): string {
  let out = '"';
  for (const b of Buffer.from(s, 'utf8')) {
    out += /[A-Za-z0-9@._/:+=, -]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : '\\' + String(b).padStart(3, '0');
  }
  return out + '"';
}

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const xmlUnescape = (s: string): string =>
  s.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-f]+);/gi, (_, e: string) =>
    e[0] === '#' ? String.fromCodePoint(Number(e[1]?.toLowerCase() === 'x' ? '0' + e.slice(1) : e.slice(1)))
      : ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' } as Record<string, string>)[e]!);

/**
 * One `<repl-input>` over the admin socket, speaking util.adminstream's XML protocol directly:
 * about 2 ms, against ~100 ms for spawning `prosodyctl shell`.
 */
function adminEval(socketPath: string, line: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(socketPath);
    let buf = '';
    const timer = setTimeout(() => done(new Error(`admin socket: no answer in ${timeoutMs} ms`)), timeoutMs);
    const done = (err: Error | null, text = ''): void => {
      clearTimeout(timer);
      sock.end('</stream:stream>');
      sock.destroy();
      if (err) reject(err);
      else resolve(text);
    };
    sock.setEncoding('utf8');
    sock.on('error', (e) => done(e));
    sock.on('data', (d: string) => {
      buf += d;
      const m = /<repl-result(?:\s+type=['"](\w+)['"])?\s*(?:\/>|>([\s\S]*?)<\/repl-result>)/.exec(buf);
      if (!m) return;
      const text = xmlUnescape(m[2] ?? '');
      if (m[1] === 'error') done(new Error(`prosody shell: ${text}`));
      else done(null, text);
    });
    sock.write(
      "<?xml version='1.0'?><stream:stream xmlns='xmpp:prosody.im/admin' xmlns:stream='http://etherx.jabber.org/streams'>" +
        `<repl-input>${xmlEscape(line)}</repl-input>`,
    );
  });
}

/** Runs a Lua function body in the global env; it returns a string, which comes back without the shell's "Result: " prefix. */
async function luaCall(socketPath: string, body: string): Promise<string> {
  const text = await adminEval(socketPath, `>(function() ${body} end)()`);
  return text.replace(/^Result: /, '').replace(/^nil$/, '');
}

export async function startProsody(opts: ProsodyOptions = {}): Promise<Prosody> {
  const host = opts.host ?? 'localhost';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-prosody-'));
  await mkdir(path.join(dir, 'data'));
  await mkdir(path.join(dir, 'certs')); // empty: without it Prosody 13 looks for certificates beside the config and complains
  const sasl2 = opts.sasl2 ?? true;
  const [c2sPort, httpPort, componentPort] = (await freePorts(3)) as [number, number, number];
  const push = opts.push;
  const cfg = path.join(dir, 'prosody.cfg.lua');
  const sockPath = path.join(dir, 'prosody.sock');
  const logFile = path.join(dir, 'prosody.log');
  const outFile = path.join(dir, 'prosody.out');
  const q = luaStr;
  const storage =
    (opts.storage ?? 'sqlite') === 'sqlite'
      ? `storage = "sql"\nsql = { driver = "SQLite3", database = "prosody.sqlite" }`
      : `storage = "internal"`;
  const modules = [...MODULES, ...(sasl2 ? SASL2_MODULES : []), ...(push ? ['cloud_notify'] : []), ...(opts.modules ?? [])];
  await writeFile(
    cfg,
    `-- generated by scripts/lib/prosody.ts
run_as_root = true
pidfile = ${q(path.join(dir, 'prosody.pid'))}
data_path = ${q(path.join(dir, 'data'))}
certificates = ${q(path.join(dir, 'certs'))}
admin_socket = ${q(sockPath)}
interfaces = { "127.0.0.1" }
http_interfaces = { "127.0.0.1" }
c2s_ports = { ${c2sPort} }
http_ports = { ${httpPort} }
https_ports = {}
s2s_ports = {}
c2s_direct_tls_ports = {}
http_default_host = ${q(host)}
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
consider_websocket_secure = true
consider_bosh_secure = true
authentication = "internal_hashed"
allow_registration = ${opts.registration ? 'true' : 'false'}
-- New accounts' SCRAM hash: SHA-256 where SASL2 runs, Prosody's default SHA-1 on the other, so both get exercised.
password_hash = ${sasl2 ? '"SHA-256"' : '"SHA-1"'}
modules_enabled = { ${modules.map(q).join(', ')} }
modules_disabled = { "s2s", "s2s_auth_certs", "tls", "limits" }
default_archive_policy = true
archive_expires_after = "never"
network_settings = { nagle = false }
smacks_hibernation_time = 600
${push ? `component_ports = { ${componentPort} }
component_interfaces = { "127.0.0.1" }
-- The gateway answers an error only when a registration is void (unknown node, subscription gone):
-- drop it at once rather than after 16 of them.
push_max_errors = 1` : ''}
${storage}
log = {
  { levels = { min = "${process.env.PARLEY_PROSODY_DEBUG ? 'debug' : 'info'}" }, to = "file", filename = ${q(logFile)} };
  ${opts.log ? '{ levels = { min = "info" }, to = "console" };' : ''}
}

VirtualHost ${q(host)}
${opts.extraConfig ?? ''}
${push ? `Component ${q(push.domain)}\n  component_secret = ${q(push.secret)}` : ''}
${opts.upload ? `-- Served on the host's own HTTP routes; slots name the loopback address the browser reaches.
Component ${q(`upload.${host}`)} "http_file_share"
  http_host = ${q(host)}
  http_external_url = ${q(`http://127.0.0.1:${httpPort}/`)}
  http_file_share_size_limit = ${opts.upload.maxBytes}
  http_file_share_daily_quota = ${opts.upload.maxBytes * 100}` : ''}


-- Group chat (XEP-0045) with room archives (XEP-0313), moderation (XEP-0425); occupant-id (XEP-0421) is built in.
Component ${q(`conference.${host}`)} "muc"
modules_enabled = { "muc_mam", "muc_moderation" }
muc_log_all_rooms = true
muc_log_by_default = true
muc_log_expires_after = "never"
muc_room_default_history_length = 20
`,
  );

  // Prosody reports config and startup errors on stdout/stderr, not in its log: the child keeps them.
  const proc = childServer({
    name: 'prosody',
    command: 'prosody',
    args: ['--config', cfg, '-F'],
    outFile,
    logFile,
    cfg,
    ports: push ? [c2sPort, httpPort, componentPort] : [c2sPort, httpPort],
    // The admin socket answering with the host's websocket (and SASL2) modules loaded means the host is fully set up;
    // a community module that failed to load keeps it from being ready, rather than leaving a server without SASL2.
    ready: async () => {
      const loaded = ['websocket', ...(sasl2 ? SASL2_MODULES : [])].map((m) => `h.modules[${q(m)}]`).join(' and ');
      const answer = await luaCall(sockPath, `local h = prosody.hosts[${q(host)}]; return h and ${loaded} and "ok" or ""`).catch(() => '');
      return answer === 'ok';
    },
    startMs: 15_000,
    stopMs: 5_000,
    inheritOutput: !!opts.log,
  });
  const { running, start, stop, kill } = proc;

  async function registerAll(users: { user: string; password: string }[]): Promise<void> {
    if (!users.length) return;
    if (!running()) {
      for (const { user, password } of users) {
        const r = spawnSync('prosodyctl', ['--config', cfg, 'register', user, host, password], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`prosodyctl register ${user}: ${r.stdout}${r.stderr}`);
      }
      return;
    }
    // Existing users get the new password, so registering is idempotent.
    const calls = users
      .map(({ user, password }) =>
        `do local u, p = ${q(user)}, ${q(password)}
           local ok, err; if um.user_exists(u, H) then ok, err = um.set_password(u, p, H) else ok, err = um.create_user(u, p, H) end
           if not ok then errs[#errs + 1] = u .. ": " .. tostring(err) end end`)
      .join(' ');
    const errs = await luaCall(sockPath, `local um, H, errs = require "core.usermanager", ${q(host)}, {} ${calls} return table.concat(errs, "; ")`);
    if (errs) throw new Error(`register failed: ${errs}`);
  }

  const server: Prosody = {
    kind: sasl2 ? 'prosody' : 'prosody-sasl1',
    host,
    c2sPort,
    httpPort,
    wsUrl: `ws://127.0.0.1:${httpPort}/xmpp-websocket`,
    boshUrl: `http://127.0.0.1:${httpPort}/http-bind`,
    ...(push ? { componentPort } : {}),
    dir,
    register: (user, password) => registerAll([{ user, password }]),
    async sessions(user, o = {}) {
      const skipHibernating = o.hibernating === false ? 'true' : 'false';
      const out = await luaCall(
        sockPath,
        `local r, b = {}, prosody.bare_sessions[${q(`${user}@${host}`)}]
         if b then for _, s in pairs(b.sessions) do if not (${skipHibernating} and s.hibernating) then r[#r + 1] = s.full_jid end end end
         table.sort(r) return table.concat(r, "\\n")`,
      );
      return out ? out.split('\n') : [];
    },
    eval: (lua) => adminEval(sockPath, `>${lua}`),
    kill,
    start,
    stop,
    async dispose() {
      await stop();
      forget();
      await rm(dir, { recursive: true, force: true });
    },
  };

  const forget = onExit(() => {
    proc.killNow();
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    await start();
    await registerAll(opts.users ?? []);
  } catch (e) {
    await kill();
    forget();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return server;
}
