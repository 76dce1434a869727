/** A real Prosody plus the demo page served beside it, for one test file. */
import { serve } from '../../scripts/lib/serve.js';
import { startProsody, type Prosody, type ProsodyOptions } from '../../scripts/lib/prosody.js';
import { startProxy, type Proxy } from './proxy.js';

export interface Fixture {
  prosody: Prosody;
  /** The demo page, pointed at this Prosody. */
  url: string;
  jid(user: string): string;
  /** Between the page and Prosody when asked for: cut it to drop the network. */
  proxy?: Proxy;
  dispose(): Promise<void>;
}

export const PASSWORD = 'correct horse battery staple';

export async function setup(
  users: string[],
  {
    proxy: withProxy = false,
    prosody: extra = {},
    mounts = {},
  }: { proxy?: boolean; prosody?: ProsodyOptions; /** More URL prefix → directory mounts beside the demo. */ mounts?: Record<string, string> } = {},
): Promise<Fixture> {
  const prosody = await startProsody({ ...extra, users: users.map((user) => ({ user, password: PASSWORD })) });
  const proxy = withProxy ? await startProxy(prosody.httpPort) : undefined;
  const service = proxy ? `ws://127.0.0.1:${proxy.port}/xmpp-websocket` : prosody.wsUrl;
  const server = await serve({ mounts: { '/': 'demo', '/dist/': 'dist', ...mounts }, vars: { SERVICE: service } });
  return {
    prosody,
    url: server.url,
    jid: (user) => `${user}@${prosody.host}`,
    ...(proxy ? { proxy } : {}),
    async dispose() {
      await server.close();
      await proxy?.dispose();
      await prosody.dispose();
    },
  };
}
