import { livekitPythonReportBoundedByEvents } from '../../fixtures/sources/stacks/livekit/calls';

export default livekitPythonReportBoundedByEvents;
