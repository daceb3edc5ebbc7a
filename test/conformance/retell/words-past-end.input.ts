import { retellWordsPastEnd } from '../../fixtures/sources/platforms/retell';

export default retellWordsPastEnd;
