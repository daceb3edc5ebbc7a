/**
 * amazon-connect and transcribe-call-analytics beyond the corpus's cases: which format a body is
 * detected as (each other's files, and every stack's fixtures), what is refused and where, the
 * contact's timestamps in each of their JSON forms, and the fallbacks the envelope hook takes.
 */
import { parseIngestBody } from '../../../../lib/ingest';
import { detectSource } from '../../../../lib/sources';
import { callAnalyticsCompiled, chimePostCallRaw } from '../../../fixtures/sources/aws/call-analytics';
import { contactLensOpaqueParticipants, contactLensRaw, contactLensRedacted, describedContact } from '../../../fixtures/sources/aws/contact-lens';
import { stackFixtures } from '../../../support/stack-fixtures';

const envelope = { id: 'c-1', customer: { number: '+16505551234' }, startedAt: '2025-11-04T14:02:00.000Z' };

function refusal(body: unknown, source?: 'amazon-connect' | 'transcribe-call-analytics') {
  const parsed = parseIngestBody(body, { source, webCallNumber: undefined });
  if (parsed.ok) throw new Error('expected a refusal');
  return parsed.issues;
}

function stored(body: unknown, webCallNumber?: string) {
  const parsed = parseIngestBody(body, { source: undefined, webCallNumber });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.calls[0]!;
}

describe('detection', () => {
  it.each([
    { name: 'a raw Contact Lens file with its contact', body: { contact: describedContact, transcript: contactLensRaw }, source: 'amazon-connect' },
    { name: 'a redacted Contact Lens file under an envelope', body: { ...envelope, transcript: contactLensRedacted }, source: 'amazon-connect' },
    { name: 'opaque participant ids', body: { ...envelope, transcript: contactLensOpaqueParticipants }, source: 'amazon-connect' },
    { name: 'Transcribe Call Analytics output', body: { ...envelope, transcript: callAnalyticsCompiled }, source: 'transcribe-call-analytics' },
    { name: "Chime SDK's post-call file", body: { ...envelope, transcript: chimePostCallRaw }, source: 'transcribe-call-analytics' },
    {
      name: 'a silent Transcribe job (no turns)',
      body: { ...envelope, transcript: { ...chimePostCallRaw, Transcript: [] } },
      source: 'transcribe-call-analytics',
    },
  ])('$name is $source', ({ body, source }) => {
    expect(detectSource(body)?.name).toBe(source);
  });

  it('no stack fixture is taken for an AWS file', () => {
    const taken = stackFixtures()
      .map(([name, , fixture]) => [name, detectSource(fixture)?.name])
      .filter(([, detected]) => detected === 'amazon-connect' || detected === 'transcribe-call-analytics');
    expect(taken).toEqual([]);
  });

  it('a Contact Lens file without an id or a contact to take one from is not a call of any format', () => {
    expect(detectSource({ transcript: contactLensRaw })).toBeUndefined();
  });
});

describe('refusals name the field', () => {
  it('a turn whose ParticipantId is not in Participants', () => {
    const file = structuredClone(contactLensRaw);
    file.Transcript[3]!.ParticipantId = 'SUPERVISOR-7';
    expect(refusal({ ...envelope, transcript: file })).toEqual([
      { path: 'transcript.Transcript[3].ParticipantId', message: 'is "SUPERVISOR-7", which no entry of Participants has' },
    ]);
  });

  it('an offset that is not milliseconds, and an end before its begin', () => {
    const text = structuredClone(callAnalyticsCompiled);
    (text.Transcript[1] as Record<string, unknown>).BeginOffsetMillis = '4960';
    expect(refusal({ ...envelope, transcript: text })).toEqual([
      { path: 'transcript.Transcript[1].BeginOffsetMillis', message: 'must be milliseconds into the call audio (a number >= 0)' },
    ]);
    const backwards = structuredClone(callAnalyticsCompiled);
    backwards.Transcript[2]!.EndOffsetMillis = 100;
    expect(refusal({ ...envelope, transcript: backwards })).toEqual([
      { path: 'transcript.Transcript[2].EndOffsetMillis', message: 'is 100, before BeginOffsetMillis (12180)' },
    ]);
  });

  it('an analysis that did not complete', () => {
    expect(refusal({ ...envelope, transcript: { ...contactLensRaw, JobStatus: 'FAILED', Transcript: [] } })).toEqual([
      { path: 'transcript.JobStatus', message: 'is FAILED: the analysis did not complete, so the file has no transcript to store' },
    ]);
  });

  it('Transcribe output without startedAt (its offsets need one)', () => {
    const { startedAt: _, ...withoutStart } = envelope;
    expect(refusal({ ...withoutStart, transcript: chimePostCallRaw }, 'transcribe-call-analytics')).toEqual([
      { path: 'startedAt', message: 'is required: the transcript has no instants to take the start of the call from' },
    ]);
  });

  it('a turn after the call ended (the contact says when it did)', () => {
    const contact = { ...describedContact, DisconnectTimestamp: '2025-11-04T14:03:00.000Z' };
    expect(refusal({ contact, transcript: contactLensRaw }, 'amazon-connect').map((issue) => issue.path)).toContain('messages[9].end_time');
  });
});

describe('the contact', () => {
  it('gives the same call with its timestamps as ISO 8601 (SDK, CLI) or epoch seconds (the wire)', () => {
    const epochSeconds = (iso: string) => Date.parse(iso) / 1000;
    const wire = {
      ...describedContact,
      InitiationTimestamp: epochSeconds(describedContact.InitiationTimestamp),
      DisconnectTimestamp: epochSeconds(describedContact.DisconnectTimestamp),
      AgentInfo: { ...describedContact.AgentInfo, ConnectedToAgentTimestamp: epochSeconds(describedContact.AgentInfo.ConnectedToAgentTimestamp) },
    };
    expect(stored({ contact: wire, transcript: contactLensRaw }).call).toEqual(stored({ contact: describedContact, transcript: contactLensRaw }).call);
  });

  it('without AgentInfo or a recording start, offsets count from startedAt, and the adapter metadata says so', () => {
    const { AgentInfo: _agent, Recordings: _recordings, ...contact } = describedContact;
    const { call } = stored({ contact, transcript: contactLensRaw });
    expect(call.messages[0]).toMatchObject({ start_time: 0, end_time: 0.09 });
    expect(call.metadata?.adapter).toMatchObject({ startedAtFrom: 'contact.InitiationTimestamp', offsetsFrom: 'startedAt' });
    expect(call.recordingUrl).toBeUndefined();
  });

  it('a caller address that is not a phone number is kept in metadata, and the call takes WEB_CALL_NUMBER', () => {
    const contact = { ...describedContact, CustomerEndpoint: { Type: 'VOIP', Address: 'anonymous' } };
    const { call } = stored({ contact, transcript: contactLensRaw }, '+15550000000');
    expect(call.customer.number).toBe('+15550000000');
    expect(call.metadata?.adapter).toMatchObject({ customerAddress: 'anonymous' });
    expect(refusal({ contact, transcript: contactLensRaw }, 'amazon-connect').map((issue) => issue.path)).toEqual(['customer']);
  });

  it('a turn of a speaker with no Cekura role is counted as dropped, not guessed', () => {
    const file = structuredClone(contactLensRaw);
    file.Participants.push({ ParticipantId: 'SUPERVISOR', ParticipantRole: 'SUPERVISOR' });
    file.Transcript[4]!.ParticipantId = 'SUPERVISOR';
    const sourced = stored({ contact: describedContact, transcript: file });
    expect(sourced.dropped).toEqual({ supervisor_turn: 1 });
    expect(sourced.call.messages).toHaveLength(9);
  });
});
