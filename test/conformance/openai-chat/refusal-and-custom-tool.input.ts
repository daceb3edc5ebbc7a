/**
 * An agent that refuses (top-level `refusal`, and a `refusal` content part) and calls a custom
 * tool (`type: "custom"`, free-text `input`) whose result comes back as one text part.
 */
import type { LoggedChatMessage, StackEnvelope } from './chat-message';

const at = (s: number) => new Date(Date.parse('2025-07-01T14:00:00.000Z') + s * 1000).toISOString();

export default {
  id: 'chat-refusal-custom-1',
  customer: { number: '+16505550142' },
  transcript: [
    { role: 'system', content: 'You are the Acme Bank phone assistant. Never give investment advice.' },
    { role: 'assistant', content: 'Acme Bank, how can I help?', timestamp: at(0) },
    { role: 'user', content: 'Should I put my savings into crypto?', timestamp: at(2.4) },
    { role: 'assistant', content: null, refusal: "I'm sorry, I can't give investment advice.", timestamp: at(5.1) },
    { role: 'user', content: 'Fine. What is the balance of my checking account?', timestamp: at(8) },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_cu5T0m1', type: 'custom', custom: { name: 'run_balance_query', input: 'SELECT balance FROM accounts WHERE kind = checking' } }],
      timestamp: at(10.2),
    },
    { role: 'tool', tool_call_id: 'call_cu5T0m1', content: [{ type: 'text', text: '{"balance":"1,204.55","currency":"USD"}' }], timestamp: at(10.9) },
    { role: 'assistant', content: 'Your checking balance is $1,204.55.', timestamp: at(11.5) },
    { role: 'user', content: 'And tell me which stock will go up tomorrow.', timestamp: at(14) },
    { role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot predict stock prices.' }], timestamp: at(16.3) },
  ],
} satisfies StackEnvelope<LoggedChatMessage[]>;
