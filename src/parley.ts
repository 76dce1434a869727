/** Page entry: defines the <parley-*> elements and exports the client API. */
import { warmIntl } from './elements/warm-intl.js';

warmIntl();
export * from './client/index.js';
export { ParleyClient } from './elements/client.js';
export { ParleyLogin } from './elements/login.js';
export { ParleyRoster } from './elements/roster.js';
export { ParleyConversations } from './elements/conversations.js';
export { ParleyConversation } from './elements/conversation.js';
export { ParleyComposer } from './elements/composer.js';
export { ParleyForm } from './elements/form.js';
export { ParleyJoin } from './elements/join.js';
export { ParleyRoom } from './elements/room.js';
export { ParleyOccupants } from './elements/occupants.js';
