import { realtimeBetaUnstamped } from '../../fixtures/sources/stacks/openai-realtime/beta-unstamped';

export default realtimeBetaUnstamped;
