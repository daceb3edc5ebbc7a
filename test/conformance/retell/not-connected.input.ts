import { retellNotConnected } from '../../fixtures/sources/platforms/retell';

export default retellNotConnected;
