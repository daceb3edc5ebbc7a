import { elevenlabsOutbound } from '../../fixtures/sources/platforms/elevenlabs';

export default elevenlabsOutbound;
