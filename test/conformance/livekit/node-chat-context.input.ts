import { livekitNodeChatContext } from '../../fixtures/sources/stacks/livekit/calls';

export default livekitNodeChatContext;
