import { pushWithEpochMillis } from '../../fixtures/sources/cekura/push';

export default pushWithEpochMillis;
