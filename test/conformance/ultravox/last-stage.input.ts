import { ultravoxLastStage } from '../../fixtures/sources/stacks/ultravox/calls';

export default ultravoxLastStage;
