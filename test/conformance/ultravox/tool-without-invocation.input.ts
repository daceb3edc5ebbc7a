import { ultravoxToolWithoutInvocation } from '../../fixtures/sources/stacks/ultravox/calls';

export default ultravoxToolWithoutInvocation;
