import { livekitPythonHistoryUntimed } from '../../fixtures/sources/stacks/livekit/calls';

export default livekitPythonHistoryUntimed;
