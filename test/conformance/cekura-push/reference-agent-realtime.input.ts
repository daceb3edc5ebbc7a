import { pushFromReferenceAgent } from '../../fixtures/sources/cekura/push';

export default pushFromReferenceAgent;
