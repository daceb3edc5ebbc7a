import { cekuraObserveProtoKey } from '../../fixtures/sources/cekura/observe';

export default cekuraObserveProtoKey;
