import { livekitPythonItems } from '../../fixtures/sources/stacks/livekit/calls';

export default livekitPythonItems;
