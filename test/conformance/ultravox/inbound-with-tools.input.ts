import { ultravoxInboundWithTools } from '../../fixtures/sources/stacks/ultravox/calls';

export default ultravoxInboundWithTools;
