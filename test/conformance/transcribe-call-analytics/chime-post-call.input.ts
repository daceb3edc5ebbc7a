import { chimePostCallRaw } from '../../fixtures/sources/aws/call-analytics';

/** Chime SDK call analytics' post-call file for a Voice Connector call; no endedAt: the last turn ends the call. */
export default {
  id: 'vc-call-2f8a61d4',
  customer: { number: '+13125550172' },
  phoneNumber: '+13125550100',
  startedAt: '2025-11-06T16:40:12.300Z',
  transcript: chimePostCallRaw,
};
