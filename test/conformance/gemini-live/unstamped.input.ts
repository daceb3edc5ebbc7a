import { geminiUnstampedCall } from '../../fixtures/sources/stacks/gemini-live/calls';

export default geminiUnstampedCall;
