import { livekitNodeReportRaw } from '../../fixtures/sources/stacks/livekit/calls';

export default livekitNodeReportRaw;
