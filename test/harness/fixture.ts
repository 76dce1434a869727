/** A real XMPP server (chosen by PARLEY_SERVER) plus the demo page served beside it, for one test file. */
import { serve } from '../../scripts/lib/serve.js';
import { startEjabberd, type Ejabberd } from '../../scripts/lib/ejabberd.js';
import { isProsody, startProsody, type Prosody, type ProsodyOptions } from '../../scripts/lib/prosody.js';
import { serverKind, type ServerKind, type ServerOptions, type XmppServer } from '../../scripts/lib/server.js';
import { startProxy, type Proxy } from './proxy.js';

export interface Fixture {
  server: XmppServer;
  /** The demo page, pointed at this server. */
  url: string;
  /** The WebSocket URL the page is given (and its host-meta names): the proxy's, when there is one. */
  service: string;
  jid(user: string): string;
  /** Between the page and the server when asked for: cut it to drop the network. */
  proxy?: Proxy;
  dispose(): Promise<void>;
}

export const PASSWORD = 'correct horse battery staple';

/** The server this run uses: `PARLEY_SERVER` = `prosody` (default), `prosody-sasl1` or `ejabberd`. */
export const SERVER: ServerKind = serverKind();

/** For `it(name, onProsody, fn)` or a describe: a test that reads or fills Prosody's own state runs only on Prosody. */
export const onProsody = SERVER === 'ejabberd' ? { skip: "reads Prosody's session state (admin shell)" } : {};

/** The fixture's server as Prosody, for tests marked `onProsody`. */
export function prosodyOf(fx: Fixture): Prosody {
  if (!isProsody(fx.server)) throw new Error(`this test needs Prosody, not ${fx.server.kind}`);
  return fx.server;
}

/**
 * A room's own memory of its occupants, on either server: `forget` drops an occupant without telling
 * anyone (as a room restarted without its state would), `has` says whether the room has them.
 */
export function roomOccupants(fx: Fixture, room: string): { forget(nick: string): Promise<void>; has(nick: string): Promise<boolean> } {
  const [name, service] = room.split('@') as [string, string];
  if (isProsody(fx.server)) {
    const prosody = fx.server;
    const lua = (body: string) => prosody.eval(`(function() local room = prosody.hosts[${JSON.stringify(service)}].modules.muc.get_room_from_jid(${JSON.stringify(room)}) ${body} end)()`);
    const occupant = (nick: string) => `room._occupants[${JSON.stringify(`${room}/${nick}`)}]`;
    return {
      forget: async (nick) => void (await lua(`${occupant(nick)} = nil; return "ok"`)),
      has: async (nick) => /true/.test(await lua(`return tostring(${occupant(nick)} ~= nil)`)),
    };
  }
  const ejabberd = fx.server as Ejabberd;
  // The room is a p1_fsm process; its state record holds the occupants in maps: users (jid => #user{nick}) and nicks (nick => [jid]).
  const erlang = (nick: string, body: string) =>
    ejabberd.eval(`{ok, P} = mod_muc:find_online_room(<<${JSON.stringify(name)}>>, <<${JSON.stringify(service)}>>), Nick = <<${JSON.stringify(nick)}/utf8>>, ${body}`);
  return {
    forget: async (nick) => {
      const done = await erlang(nick, `Forget = fun(M) when is_map(M) -> maps:filter(fun(K, V) -> not ((is_tuple(V) andalso element(1, V) =:= user andalso element(3, V) =:= Nick) orelse (K =:= Nick andalso is_list(V))) end, M); (E) -> E end,
        sys:replace_state(P, fun([Name, StateName, S | Rest]) -> [Name, StateName, list_to_tuple([Forget(E) || E <- tuple_to_list(S)]) | Rest] end), ok.`);
      if (done !== '{ok, ok}') throw new Error(`the room did not forget ${nick}: ${done}`);
    },
    has: async (nick) => (await erlang(nick, `[_, _, S | _] = sys:get_state(P), lists:any(fun(M) -> is_map(M) andalso maps:is_key(Nick, M) end, tuple_to_list(S)).`)) === '{ok, true}',
  };
}

function startServer(kind: ServerKind, opts: ServerOptions & { prosody?: ProsodyOptions } = {}): Promise<XmppServer> {
  const { prosody: prosodyOpts, ...common } = opts;
  if (kind === 'ejabberd') return startEjabberd(common);
  return startProsody({ ...prosodyOpts, ...common, sasl2: kind === 'prosody' });
}

export async function setup(
  users: string[],
  {
    proxy: withProxy = false,
    prosody: prosodyOpts,
    mounts = {},
    foreign,
    push,
    upload,
    registration,
    captcha,
  }: {
    proxy?: boolean;
    /** used when the server is Prosody */
    prosody?: ProsodyOptions;
    /** More URL prefix → directory mounts beside the demo. */
    mounts?: Record<string, string>;
    /** Prefixes of those that serve another project's pages, without Parley's CSP (see serve). */
    foreign?: string[];
    /** The server's push module and a component for the push gateway (see ServerOptions). */
    push?: ServerOptions['push'];
    upload?: ServerOptions['upload'];
    /** New accounts may register in-band (XEP-0077), from loopback. */
    registration?: boolean;
    captcha?: ServerOptions['captcha'];
  } = {},
): Promise<Fixture> {
  const server = await startServer(SERVER, {
    users: users.map((user) => ({ user, password: PASSWORD })),
    ...(prosodyOpts ? { prosody: prosodyOpts } : {}),
    ...(push ? { push } : {}),
    ...(upload ? { upload } : {}),
    ...(registration ? { registration } : {}),
    ...(captcha ? { captcha } : {}),
  });
  const proxy = withProxy ? await startProxy(server.httpPort) : undefined;
  const service = proxy ? `ws://127.0.0.1:${proxy.port}${new URL(server.wsUrl).pathname}` : server.wsUrl;
  const page = await serve({ mounts: { '/': 'demo', '/dist/': 'dist', ...mounts }, vars: { SERVICE: service, PUSH_GATEWAY: push?.domain ?? '' }, hostMeta: service, ...(foreign ? { foreign } : {}) });
  return {
    server,
    url: page.url,
    service,
    jid: (user) => `${user}@${server.host}`,
    ...(proxy ? { proxy } : {}),
    async dispose() {
      await page.close();
      await proxy?.dispose();
      await server.dispose();
    },
  };
}
