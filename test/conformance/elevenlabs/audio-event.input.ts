import { elevenlabsAudioEvent } from '../../fixtures/sources/platforms/elevenlabs';

export default elevenlabsAudioEvent;
