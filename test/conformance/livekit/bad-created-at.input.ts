import { livekitBadCreatedAt } from '../../fixtures/sources/stacks/livekit/calls';

export default livekitBadCreatedAt;
