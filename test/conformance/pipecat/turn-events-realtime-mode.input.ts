import { pipecatRealtimeTurnEventsCall } from '../../fixtures/sources/stacks/pipecat/calls';

export default pipecatRealtimeTurnEventsCall;
