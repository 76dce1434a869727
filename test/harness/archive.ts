/**
 * A user's server archive filled and watched server-side, for archive sync at scale: a peer sending
 * 20,000 messages takes minutes, one SQL transaction into Prosody's own archive table a second or
 * two, and Prosody then serves them through mod_mam like any other archive.
 */
import type { Prosody } from '../../scripts/lib/prosody.js';

/**
 * Appends `count` chat messages from `from` (bare JID) to `to` (bare JID) to `to`'s archive,
 * bodies `<prefix> 1…count`, one second apart, the last `endsAgo` seconds ago. Needs SQLite storage
 * (the harness default).
 */
export async function fillArchive(
  prosody: Prosody,
  { from, to, prefix, count, endsAgo = 1 }: { from: string; to: string; prefix: string; count: number; endsAgo?: number },
): Promise<void> {
  const user = to.split('@')[0]!;
  const lua = `local sql, st, uuid = require "util.sql", require "util.stanza", require "util.uuid".generate;
    local e = sql:create_engine({ driver = "SQLite3", database = prosody.paths.data .. "/prosody.sqlite" }); assert(e:connect());
    local t0 = os.time() - ${endsAgo} - ${count};
    local ok, err = e:transaction(function() for i = 1, ${count} do
      local m = st.message({ from = "${from}/phone", to = "${to}", type = "chat", id = "${prefix}-" .. i }):tag("body"):text("${prefix} " .. i):up();
      e:insert([[INSERT INTO "prosodyarchive" ("host","user","store","when","with","key","type","value") VALUES (?,?,?,?,?,?,?,?)]],
        "${prosody.host}", "${user}", "archive", t0 + i, "${from}", uuid(), "xml", tostring(m)) end end);
    e.conn:close(); return ok and "filled" or tostring(err)`;
  const out = await prosody.eval(lua.replace(/\n\s*/g, ' '));
  if (!/filled/.test(out)) throw new Error(`archive not filled: ${out}`);
}

/** Deletes everything in `user`'s archive, as expiry would; resolves to how many items are left (0). */
export async function emptyArchive(prosody: Prosody, user: string): Promise<number> {
  const store = `require"core.storagemanager".open("${prosody.host}", "archive", "archive")`;
  await prosody.eval(`${store}:delete("${user}")`);
  return Number((await prosody.eval(`local n = 0 for _ in ${store}:find("${user}", {}) do n = n + 1 end return n`)).replace(/^Result: /, ''));
}

/** Counts the archive queries the server gets from now on (a handler ahead of mod_mam's that only counts). */
export async function countArchiveQueries(prosody: Prosody): Promise<() => Promise<number>> {
  await prosody.eval(`local c = { n = 0 }; prosody.parley_mam_queries = c; prosody.hosts["${prosody.host}"].events.add_handler("iq-set/self/urn:xmpp:mam:2:query", function() c.n = c.n + 1 end, 1000)`);
  return async () => Number((await prosody.eval('prosody.parley_mam_queries.n')).replace(/^Result: /, ''));
}
