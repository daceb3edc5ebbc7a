import { callAnalyticsCompiled } from '../../fixtures/sources/aws/call-analytics';

/** A batch Call Analytics job's redacted output; the envelope gives the number and the instant the audio began. */
export default {
  id: 'recipe-box-cancellation-20251104-1402',
  customer: { number: '+16505551234' },
  phoneNumber: '+18005550123',
  startedAt: '2025-11-04T14:02:05.120Z',
  endedAt: '2025-11-04T14:02:48.000Z',
  endedReason: 'customer-ended-call',
  transcript: callAnalyticsCompiled,
};
