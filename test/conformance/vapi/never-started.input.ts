import { vapiNeverStarted } from '../../fixtures/sources/platforms/vapi';

export default vapiNeverStarted;
