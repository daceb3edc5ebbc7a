import { cekuraObserve } from '../../fixtures/sources/cekura/observe';

export default cekuraObserve;
