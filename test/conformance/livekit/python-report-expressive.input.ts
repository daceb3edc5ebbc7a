import { livekitPythonReportExpressive } from '../../fixtures/sources/stacks/livekit/calls';

export default livekitPythonReportExpressive;
