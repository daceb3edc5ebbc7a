import { realtimePartlyStamped } from '../../fixtures/sources/stacks/openai-realtime/partly-stamped';

export default realtimePartlyStamped;
