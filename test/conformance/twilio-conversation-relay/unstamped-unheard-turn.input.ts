import { relayUnstamped } from '../../fixtures/sources/stacks/twilio-conversation-relay/calls';

export default relayUnstamped;
