import { vapiOutboundNoSecondsFromStart } from '../../fixtures/sources/platforms/vapi';

export default vapiOutboundNoSecondsFromStart;
