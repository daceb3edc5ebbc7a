import { ultravoxOnlyUnspecified } from '../../fixtures/sources/stacks/ultravox/calls';

export default ultravoxOnlyUnspecified;
