/** A real Prosody plus the demo page served beside it, for one test file. */
import { serve } from '../../scripts/lib/serve.js';
import { startProsody, type Prosody } from '../../scripts/lib/prosody.js';

export interface Fixture {
  prosody: Prosody;
  /** The demo page, pointed at this Prosody. */
  url: string;
  jid(user: string): string;
  dispose(): Promise<void>;
}

export const PASSWORD = 'correct horse battery staple';

export async function setup(users: string[]): Promise<Fixture> {
  const prosody = await startProsody({ users: users.map((user) => ({ user, password: PASSWORD })) });
  const server = await serve({ mounts: { '/': 'demo', '/dist/': 'dist' }, vars: { SERVICE: prosody.wsUrl } });
  return {
    prosody,
    url: server.url,
    jid: (user) => `${user}@${prosody.host}`,
    async dispose() {
      await server.close();
      await prosody.dispose();
    },
  };
}
