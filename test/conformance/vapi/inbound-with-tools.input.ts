import { vapiInboundWithTools } from '../../fixtures/sources/platforms/vapi';

export default vapiInboundWithTools;
