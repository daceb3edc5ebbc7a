import { vapiWebCall } from '../../fixtures/sources/platforms/vapi';

export default vapiWebCall;
