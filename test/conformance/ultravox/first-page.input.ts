import { ultravoxFirstPage } from '../../fixtures/sources/stacks/ultravox/calls';

export default ultravoxFirstPage;
