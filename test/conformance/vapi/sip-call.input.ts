import { vapiSipCall } from '../../fixtures/sources/platforms/vapi';

export default vapiSipCall;
