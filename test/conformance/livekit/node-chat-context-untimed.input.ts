import { livekitNodeChatContextUntimed } from '../../fixtures/sources/stacks/livekit/calls';

export default livekitNodeChatContextUntimed;
