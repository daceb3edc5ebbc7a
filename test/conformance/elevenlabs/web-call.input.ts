import { elevenlabsWebCall } from '../../fixtures/sources/platforms/elevenlabs';

export default elevenlabsWebCall;
