import { geminiOrphanResponseCall } from '../../fixtures/sources/stacks/gemini-live/calls';

export default geminiOrphanResponseCall;
