import { livekitNodeReportMilliseconds } from '../../fixtures/sources/stacks/livekit/calls';

export default livekitNodeReportMilliseconds;
