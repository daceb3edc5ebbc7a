import { cekuraObserveArray } from '../../fixtures/sources/cekura/observe';

export default cekuraObserveArray;
