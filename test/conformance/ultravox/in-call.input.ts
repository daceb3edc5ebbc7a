import { ultravoxInCall } from '../../fixtures/sources/stacks/ultravox/calls';

export default ultravoxInCall;
