import { livekitUnknownRole } from '../../fixtures/sources/stacks/livekit/calls';

/** ?source=livekit on a transcript that is no LiveKit export at all. */
export default { ...livekitUnknownRole, id: 'lk-bad-5', transcript: { messages: [] } };
