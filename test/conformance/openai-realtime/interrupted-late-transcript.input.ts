import { realtimeInterruptedLateTranscript } from '../../fixtures/sources/stacks/openai-realtime/interrupted-late-transcript';

export default realtimeInterruptedLateTranscript;
