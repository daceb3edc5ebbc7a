import { retellOutbound } from '../../fixtures/sources/platforms/retell';

export default retellOutbound;
