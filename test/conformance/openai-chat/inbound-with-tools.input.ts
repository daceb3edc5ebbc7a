import { openaiChatInboundWithTools } from '../../fixtures/sources/stacks/openai-chat/calls';

export default openaiChatInboundWithTools;
