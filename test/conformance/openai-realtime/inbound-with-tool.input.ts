import { realtimeInboundWithTool } from '../../fixtures/sources/stacks/openai-realtime/inbound-with-tool';

export default realtimeInboundWithTool;
