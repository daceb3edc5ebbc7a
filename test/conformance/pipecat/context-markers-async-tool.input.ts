import { pipecatContextCall } from '../../fixtures/sources/stacks/pipecat/calls';

export default pipecatContextCall;
