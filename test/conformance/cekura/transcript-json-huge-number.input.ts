import { cekuraObserveHugeNumber } from '../../fixtures/sources/cekura/observe';

export default cekuraObserveHugeNumber;
