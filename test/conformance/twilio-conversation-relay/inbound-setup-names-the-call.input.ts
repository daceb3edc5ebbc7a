import { relayInboundFromSetup } from '../../fixtures/sources/stacks/twilio-conversation-relay/calls';

export default relayInboundFromSetup;
