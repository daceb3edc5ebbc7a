import { retellInboundWithTools } from '../../fixtures/sources/platforms/retell';

export default retellInboundWithTools;
