import { elevenlabsTurnWithoutText } from '../../fixtures/sources/platforms/elevenlabs';

export default elevenlabsTurnWithoutText;
