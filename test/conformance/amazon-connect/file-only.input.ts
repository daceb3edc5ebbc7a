import { contactLensRedacted } from '../../fixtures/sources/aws/contact-lens';

/** No contact: the envelope gives the id, number and start; the offsets count from startedAt. */
export default {
  id: '7c3a9f2e-41d6-4b8a-9e25-0d1f6a83c4b7',
  customer: { number: '+16505551234' },
  phoneNumber: '+14155550100',
  startedAt: '2025-11-04T14:02:43.905Z',
  transcript: contactLensRedacted,
};
