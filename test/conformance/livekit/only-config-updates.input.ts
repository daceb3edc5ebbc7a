import { livekitOnlyConfigUpdates } from '../../fixtures/sources/stacks/livekit/calls';

export default livekitOnlyConfigUpdates;
