/**
 * Where a call Cekura refused goes: the forwarder's SQS dead-letter queue, sent straight from the
 * Lambda so a permanent refusal is not retried by the event source mapping first. Calls that still
 * fail after every retry reach the same queue through the mapping's on-failure destination instead
 * (that message carries the stream position, not the call).
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

export interface DeadLetter {
  /** The stored item's key (`<source>#<call id>`) and the call id. */
  pk: string | undefined;
  callId: string | undefined;
  /** Cekura's status, or undefined when the call could not be decoded or reached. */
  status: number | undefined;
  /** Cekura's answer (truncated, key redacted) or the error. */
  reason: string;
  /** The stream record, to find it again. */
  eventId: string | undefined;
  sequenceNumber: string | undefined;
  at: string;
}

export type DeadLetterSender = (letter: DeadLetter) => Promise<void>;

export interface SqsSenderOptions {
  queueUrl: string;
  /** A client to use instead of the default one (another endpoint, in tests). */
  client?: SQSClient;
}

/** Sends each letter as one SQS message. Throws when SQS does not accept it. */
export function sqsDeadLetterSender(options: SqsSenderOptions): DeadLetterSender {
  const client = options.client ?? new SQSClient({ maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 } });
  return async (letter) => {
    await client.send(new SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: JSON.stringify(letter) }));
  };
}
