import { openaiChatLateTranscript } from '../../fixtures/sources/stacks/openai-chat/calls';

export default openaiChatLateTranscript;
