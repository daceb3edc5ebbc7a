import { retellWebCall } from '../../fixtures/sources/platforms/retell';

export default retellWebCall;
