import { contactLensRaw, describedContact } from '../../fixtures/sources/aws/contact-lens';

/** What the envelope gives wins over the contact, field by field (metadata key by key). */
export default {
  id: 'connect-call-42',
  customer: { number: '+16505550199' },
  startedAt: '2025-11-04T14:02:20.000Z',
  metadata: { team: 'billing' },
  agentId: 4321,
  contact: describedContact,
  transcript: contactLensRaw,
};
