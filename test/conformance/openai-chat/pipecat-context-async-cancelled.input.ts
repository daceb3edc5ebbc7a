import { pipecatContextCancelledAsync } from '../../fixtures/sources/stacks/pipecat/calls';

export default pipecatContextCancelledAsync;
