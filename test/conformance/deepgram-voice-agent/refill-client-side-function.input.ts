import { deepgramRefillWithTool } from '../../fixtures/sources/stacks/deepgram-voice-agent/calls';

export default deepgramRefillWithTool;
