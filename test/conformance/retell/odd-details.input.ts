import { retellOddDetails } from '../../fixtures/sources/platforms/retell';

export default retellOddDetails;
