import { pipecatTurnEventsCall } from '../../fixtures/sources/stacks/pipecat/calls';

export default pipecatTurnEventsCall;
