import { openaiChatInterrupted } from '../../fixtures/sources/stacks/openai-chat/calls';

export default openaiChatInterrupted;
