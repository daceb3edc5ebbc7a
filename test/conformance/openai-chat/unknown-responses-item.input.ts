/**
 * A Responses API item of a type this source does not read, forced with ?source=openai-chat:
 * refused with its path, never half-read. Detection takes no source for it.
 */
export default {
  id: 'agents-unknown-5',
  customer: { number: '+16505550123' },
  startedAt: '2025-07-04T10:00:00.000Z',
  transcript: [
    { role: 'user', content: 'Hello?' },
    { type: 'program_run', id: 'pr_1', source: 'print(1)' },
  ],
};
