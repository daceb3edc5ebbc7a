import { pushFromGeminiReferenceAgent } from '../../fixtures/sources/cekura/push';

export default pushFromGeminiReferenceAgent;
