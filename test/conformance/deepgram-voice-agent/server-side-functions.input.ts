import { deepgramServerSideFunctions } from '../../fixtures/sources/stacks/deepgram-voice-agent/calls';

export default deepgramServerSideFunctions;
