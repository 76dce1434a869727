/** Every feature module that declares something others see or pages call (feature.ts); a new one is added here. */
import { feature as avatar } from './avatar.js';
import { feature as blocking } from './blocking.js';
import { feature as bookmarks } from './bookmarks.js';
import { feature as carbons } from './carbons.js';
import { feature as chatStates } from './chatstates.js';
import { feature as correction } from './correction.js';
import { feature as entityTime } from './entity-time.js';
import type { ApiContext, Feature } from './feature.js';
import { feature as hostMeta } from './host-meta.js';
import { feature as idle } from './idle.js';
import { feature as invitations } from './invitations.js';
import { feature as markers } from './markers.js';
import { feature as mds } from './mds.js';
import { feature as moderation } from './moderation.js';
import { feature as muc } from './muc.js';
import { feature as mucsub } from './mucsub.js';
import { feature as nick } from './nick.js';
import { feature as presence } from './presence.js';
import { feature as push } from './push.js';
import { feature as reactions } from './reactions.js';
import { feature as receipts } from './receipts.js';
import { feature as replies } from './replies.js';
import { feature as register } from './register.js';
import { feature as retraction } from './retraction.js';
import { feature as roster } from './roster.js';
import { feature as softwareVersion } from './software-version.js';
import { feature as upload } from './upload.js';
import { feature as vcard } from './vcard.js';

export const FEATURES = [
  chatStates, markers, receipts, carbons, correction, reactions, replies, retraction, mds, bookmarks, invitations, entityTime,
  softwareVersion, idle, nick, avatar, roster, presence, push, muc, mucsub, moderation, blocking, upload, vcard, hostMeta, register,
] as const satisfies readonly Feature[];

type ApiOf<F> = F extends { api: (ctx: ApiContext) => infer A } ? A : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
/** Every feature's API methods together (the service exposes them beside its own). */
export type FeatureApi = Intersection<ApiOf<(typeof FEATURES)[number]>>;
