import { cekuraObserveDeepNesting } from '../../fixtures/sources/cekura/observe';

export default cekuraObserveDeepNesting;
