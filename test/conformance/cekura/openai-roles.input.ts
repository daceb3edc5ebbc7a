import { cekuraObserveOpenAiRoles } from '../../fixtures/sources/cekura/observe';

export default cekuraObserveOpenAiRoles;
