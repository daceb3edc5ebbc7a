import { vapiMessageBeforeStart } from '../../fixtures/sources/platforms/vapi';

export default vapiMessageBeforeStart;
