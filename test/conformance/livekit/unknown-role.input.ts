import { livekitUnknownRole } from '../../fixtures/sources/stacks/livekit/calls';

export default livekitUnknownRole;
