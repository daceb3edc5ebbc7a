import { novaUnwrappedUnstamped } from '../../fixtures/sources/stacks/nova-sonic/calls';

export default novaUnwrappedUnstamped;
