/** A turn event whose `timestamp` is not Pipecat's ISO string (an app wrote epoch seconds): refused, never guessed. */
export default {
  id: 'pipecat-turns-bad',
  customer: { number: '+16505551234' },
  transcript: [
    { type: 'AssistantTurnStoppedMessage', content: 'Hello.', interrupted: false, timestamp: '2026-03-02T15:00:00.500+00:00', received_at: 1772463601500 },
    { type: 'UserTurnStoppedMessage', content: 'Hi.', timestamp: 1772463602, user_id: null, received_at: 1772463603000 },
  ],
};
