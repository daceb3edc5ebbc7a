import { geminiPythonCall } from '../../fixtures/sources/stacks/gemini-live/calls';

export default geminiPythonCall;
