import { livekitNodeReport } from '../../fixtures/sources/stacks/livekit/calls';

export default livekitNodeReport;
