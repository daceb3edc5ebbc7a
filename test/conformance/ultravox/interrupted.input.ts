import { ultravoxInterrupted } from '../../fixtures/sources/stacks/ultravox/calls';

export default ultravoxInterrupted;
