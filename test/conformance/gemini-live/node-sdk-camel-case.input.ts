import { geminiNodeCall } from '../../fixtures/sources/stacks/gemini-live/calls';

export default geminiNodeCall;
