import { ultravoxLowercaseRoles } from '../../fixtures/sources/stacks/ultravox/calls';

export default ultravoxLowercaseRoles;
