import { livekitPythonReport } from '../../fixtures/sources/stacks/livekit/calls';

export default livekitPythonReport;
