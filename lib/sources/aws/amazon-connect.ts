/**
 * Amazon Connect: a Contact Lens post-call analysis file (voice, raw or redacted; `Version` 1.1.0 as
 * in AWS's example files, and later versions of the same shape) in the common stack envelope, which
 * may carry `contact`, DescribeContact's `Contact` object (as the SDK gives it, JSON-encoded, or as
 * the CLI prints it: timestamps as ISO 8601 or epoch seconds):
 *
 *   { contact?: {...}, id?, customer?, phoneNumber?, startedAt?, endedAt?, ..., transcript: <the file> }
 *
 * The file holds no phone numbers and no instants. What the envelope leaves out comes from the
 * contact (what the envelope gives wins):
 * - id: `Contact.Id`; customer: `CustomerEndpoint.Address` (the caller on an inbound call);
 *   phoneNumber: `SystemEndpoint.Address` (the number dialled); endedReason: `DisconnectReason`;
 * - startedAt: `InitiationTimestamp` (the call reached Connect); endedAt: `DisconnectTimestamp`;
 * - the offsets (`BeginOffsetMillis` / `EndOffsetMillis`) are milliseconds into the analysed
 *   recording. AWS's docs: Contact Lens analyses the call recording; "the recording begins when the
 *   call is connected to an agent"; the date and time in the file's S3 path "correspond to the
 *   ConnectedToAgentTimestamp". So they count from `AgentInfo.ConnectedToAgentTimestamp`, else the
 *   audio recording's `StartTimestamp`, else (no contact) from startedAt. A message's time in the
 *   call is that instant plus its offset, minus startedAt: an IVR or queue before the agent shows as
 *   the time before the first message. Which instants were used is in `metadata.adapter`.
 * - recordingUrl: the contact's audio recording (`Recordings[].Location`, bucket first) as
 *   `s3://bucket/key`, for raw files only: a redacted file's call keeps no link to the recording,
 *   which is not redacted.
 * Roles through `Participants` (`ParticipantId` may be an opaque id): AGENT and SYSTEM (the flow's
 * bots and prompts) are `bot`, CUSTOMER is `user`. Redacted text is kept as it is (`[PII]`). The
 * analysis (sentiment per turn and overall, conversation characteristics, categories, ...) is kept
 * in `metadata.contactLens`.
 */

import { recordingLocationProblem } from '../../recordings/location';
import { isoFromMs, type Json, list, phoneNumberIn, record, text } from '../read';
import type { NormaliseOptions } from '../source';
import { instantFrom, type StackDefaults, type StackFormat, stackSource } from '../stacks/envelope';
import { analysisOf, outputOf, type RoleOfTurn, readTurns } from './analysis-file';

/** A Contact Lens file: turns that name their speaker by `ParticipantId`, resolved through `Participants`. */
function recognisesContactLens(transcript: unknown): boolean {
  const file = record(transcript);
  if (!file || !Array.isArray(file.Transcript) || !Array.isArray(file.Participants)) return false;
  return file.Participants.some((participant) => typeof record(participant)?.ParticipantId === 'string');
}

function participantRoles(file: Json): Map<string, string> {
  const roles = new Map<string, string>();
  for (const value of list(file.Participants)) {
    const participant = record(value);
    const id = text(participant?.ParticipantId);
    const role = text(participant?.ParticipantRole);
    if (id !== undefined && role !== undefined) roles.set(id, role);
  }
  return roles;
}

function readContactLens(transcript: unknown) {
  const file = record(transcript);
  const roles = file ? participantRoles(file) : new Map<string, string>();
  const roleOf: RoleOfTurn = (turn, at) => {
    const id = text(turn.ParticipantId);
    if (id === undefined) return { ok: false, path: `${at}.ParticipantId`, message: 'is required: it names the speaker (see Participants)' };
    const role = roles.get(id);
    if (role === undefined) return { ok: false, path: `${at}.ParticipantId`, message: `is "${id}", which no entry of Participants has` };
    return { ok: true, role };
  };
  return readTurns(transcript, roleOf);
}

const msOf = (value: unknown): number | undefined => {
  const time = instantFrom(value);
  return time && 'epochMs' in time ? time.epochMs : undefined;
};

/** `s3://bucket/key` for a recording's `Location` (bucket first, no scheme); a location with a scheme as it is. */
function s3Url(location: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location) ? location : `s3://${location.replace(/^\/+/, '')}`;
}

/** The contact's audio recording: its index in `Recordings` and the recording. */
function audioRecording(contact: Json | undefined): { index: number; recording: Json } | undefined {
  for (const [index, value] of list(contact?.Recordings).entries()) {
    const recording = record(value);
    const media = text(recording?.MediaStreamType);
    if (recording && (media === undefined || media === 'AUDIO') && text(recording.Status) !== 'DELETED') return { index, recording };
  }
  return undefined;
}

/** Where the offsets count from, and what that instant is, for `metadata.adapter`. */
function timeZeroOf(contact: Json | undefined): { ms: number; from: string } | undefined {
  const connected = msOf(record(contact?.AgentInfo)?.ConnectedToAgentTimestamp);
  if (connected !== undefined) return { ms: connected, from: 'contact.AgentInfo.ConnectedToAgentTimestamp' };
  const audio = audioRecording(contact);
  const recordingStart = msOf(audio?.recording.StartTimestamp);
  if (audio && recordingStart !== undefined) return { ms: recordingStart, from: `contact.Recordings[${audio.index}].StartTimestamp` };
  return undefined;
}

function contactLensDefaults(envelope: Json, options: NormaliseOptions): StackDefaults {
  const contact = record(envelope.contact);
  const file = record(envelope.transcript) ?? {};
  const output = outputOf(file);
  const customerAddress = text(record(contact?.CustomerEndpoint)?.Address);
  const systemAddress = text(record(contact?.SystemEndpoint)?.Address);
  const customerNumber = phoneNumberIn(customerAddress);
  const agentNumber = phoneNumberIn(systemAddress);
  const startedMs = msOf(contact?.InitiationTimestamp);
  const timeZero = timeZeroOf(contact);
  const audio = audioRecording(contact);
  const location = text(audio?.recording.Location);
  const recordingUrl = output !== 'Redacted' && location !== undefined ? s3Url(location) : undefined;
  // Found by the adapter, not given by the sender: a recording it may not sign for is left out (said
  // below), rather than refusing the call's transcript.
  const unsignable = recordingUrl !== undefined && recordingLocationProblem(recordingUrl, options.recordingBuckets ?? []) !== undefined;
  const givenStart = envelope.startedAt !== undefined && envelope.startedAt !== null;

  const adapter = {
    source: 'amazon-connect',
    contactId: text(contact?.Id),
    output,
    version: text(file.Version),
    startedAtFrom: givenStart ? 'startedAt' : startedMs !== undefined ? 'contact.InitiationTimestamp' : undefined,
    offsetsFrom: timeZero?.from ?? 'startedAt',
    offsetsZeroAt: isoFromMs(timeZero?.ms),
    ...(customerAddress !== undefined && customerNumber === undefined ? { customerAddress } : {}),
    ...(systemAddress !== undefined && agentNumber === undefined ? { systemAddress } : {}),
    ...(output === 'Redacted' && location !== undefined ? { recording: 'not linked: the transcript is redacted, the recording is not' } : {}),
    ...(unsignable
      ? { recording: `not linked: ${recordingUrl} is outside recordingBuckets (RECORDING_BUCKETS), so no link to it can be signed for Cekura` }
      : {}),
  };
  return {
    id: text(contact?.Id),
    ...(customerNumber === undefined ? {} : { customer: { number: customerNumber } }),
    phoneNumber: agentNumber,
    startedAt: isoFromMs(startedMs),
    endedAt: isoFromMs(msOf(contact?.DisconnectTimestamp)),
    endedReason: text(contact?.DisconnectReason),
    recordingUrl: unsignable ? undefined : recordingUrl,
    metadata: { contactLens: analysisOf(file), adapter: Object.fromEntries(Object.entries(adapter).filter(([, v]) => v !== undefined)) },
    ...(timeZero ? { timeZeroMs: timeZero.ms } : {}),
  };
}

export const amazonConnectFormat: StackFormat = {
  name: 'amazon-connect',
  expects:
    'a Contact Lens post-call analysis file (`{ Version, Channel: "VOICE", Participants, Transcript: [{ ParticipantId, Content, BeginOffsetMillis, EndOffsetMillis }] }`)',
  recognises: recognisesContactLens,
  defaults: contactLensDefaults,
  read: readContactLens,
};

export const amazonConnect = stackSource(amazonConnectFormat);
