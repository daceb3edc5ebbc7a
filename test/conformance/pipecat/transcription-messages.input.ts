import { pipecatTranscriptionMessagesCall } from '../../fixtures/sources/stacks/pipecat/calls';

export default pipecatTranscriptionMessagesCall;
