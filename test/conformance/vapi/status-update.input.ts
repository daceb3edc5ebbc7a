import { vapiStatusUpdate } from '../../fixtures/sources/platforms/vapi';

export default vapiStatusUpdate;
