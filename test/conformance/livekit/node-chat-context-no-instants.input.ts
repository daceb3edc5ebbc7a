import { livekitNodeChatContextNoInstants } from '../../fixtures/sources/stacks/livekit/calls';

export default livekitNodeChatContextNoInstants;
