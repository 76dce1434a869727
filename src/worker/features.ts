/** Every feature module that declares something others see (feature.ts); a new one is added here. */
import { feature as avatar } from './avatar.js';
import { feature as bookmarks } from './bookmarks.js';
import { feature as carbons } from './carbons.js';
import { feature as chatStates } from './chatstates.js';
import { feature as correction } from './correction.js';
import { feature as entityTime } from './entity-time.js';
import { feature as idle } from './idle.js';
import type { Feature } from './feature.js';
import { feature as invitations } from './invitations.js';
import { feature as markers } from './markers.js';
import { feature as mds } from './mds.js';
import { feature as nick } from './nick.js';
import { feature as reactions } from './reactions.js';
import { feature as receipts } from './receipts.js';
import { feature as replies } from './replies.js';
import { feature as retraction } from './retraction.js';
import { feature as softwareVersion } from './software-version.js';

export const FEATURES: readonly Feature[] = [chatStates, markers, receipts, carbons, correction, reactions, replies, retraction, mds, bookmarks, invitations, entityTime, softwareVersion, idle, nick, avatar];
