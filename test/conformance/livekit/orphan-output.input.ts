import { livekitOrphanOutput } from '../../fixtures/sources/stacks/livekit/calls';

export default livekitOrphanOutput;
