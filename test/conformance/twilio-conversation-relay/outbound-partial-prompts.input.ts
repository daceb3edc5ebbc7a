import { relayOutboundPartialPrompts } from '../../fixtures/sources/stacks/twilio-conversation-relay/calls';

export default relayOutboundPartialPrompts;
