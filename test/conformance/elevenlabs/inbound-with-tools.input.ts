import { elevenlabsInboundWithTools } from '../../fixtures/sources/platforms/elevenlabs';

export default elevenlabsInboundWithTools;
