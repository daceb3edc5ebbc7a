import { elevenlabsOddDetails } from '../../fixtures/sources/platforms/elevenlabs';

export default elevenlabsOddDetails;
