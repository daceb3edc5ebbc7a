import { retellCallStarted } from '../../fixtures/sources/platforms/retell';

export default retellCallStarted;
