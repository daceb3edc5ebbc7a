/**
 * Where a call Cekura refused goes: the forwarder's SQS dead-letter queue, sent straight from the
 * Lambda so a permanent refusal is not retried by the event source mapping first. Calls that still
 * fail after every retry reach the same queue through the mapping's on-failure destination instead
 * (that message carries the stream position, not the call).
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

export interface DeadLetter {
  /** The stored item's key (`<source>#<call id>`) and the call id. */
  pk: string | undefined;
  callId: string | undefined;
  /** Cekura's status, or undefined when the call could not be decoded or reached. */
  status: number | undefined;
  /** Cekura's answer (truncated, key redacted) or the error. */
  reason: string;
  /** Which way it was refused (the webhook or Observe); absent in letters written before Observe existed. */
  channel?: 'webhook' | 'observe' | undefined;
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

const defaultClient = (region?: string) => new SQSClient({ region, maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 30_000 } });

/** Sends each letter as one SQS message. Throws when SQS does not accept it. */
export function sqsDeadLetterSender(options: SqsSenderOptions): DeadLetterSender {
  const client = options.client ?? new SQSClient({ maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 } });
  return async (letter) => {
    await client.send(new SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: JSON.stringify(letter) }));
  };
}

/** A message read from the dead-letter queue, to be deleted once handled. */
export interface QueuedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
}

/** What a redrive needs of the queue: read some messages (hidden meanwhile), delete one. */
export interface DeadLetterQueue {
  /** Up to 10 messages; an empty list when the queue has none visible. */
  receive(): Promise<QueuedMessage[]>;
  remove(message: QueuedMessage): Promise<void>;
}

export interface SqsQueueOptions {
  queueUrl: string;
  client?: SQSClient;
  /** Region when no client is given; by default the one in the queue URL (sqs.<region>.amazonaws.com). */
  region?: string;
  /** How long a received message stays hidden: longer than pushing it takes, retries included. */
  visibilityTimeoutSeconds?: number;
  /** Long polling: an empty answer then means the queue is empty, not an unlucky sample of its servers. */
  waitTimeSeconds?: number;
}

export function sqsDeadLetterQueue(options: SqsQueueOptions): DeadLetterQueue {
  const client = options.client ?? defaultClient(options.region ?? regionOfQueueUrl(options.queueUrl));
  return {
    async receive() {
      const answer = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: options.visibilityTimeoutSeconds ?? 300,
          WaitTimeSeconds: options.waitTimeSeconds ?? 2,
        }),
      );
      return (answer.Messages ?? []).flatMap((m) =>
        m.MessageId && m.ReceiptHandle ? [{ messageId: m.MessageId, receiptHandle: m.ReceiptHandle, body: m.Body ?? '' }] : [],
      );
    },
    async remove(message) {
      await client.send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.receiptHandle }));
    },
  };
}

/** `https://sqs.eu-west-1.amazonaws.com/123456789012/name` → `eu-west-1`. */
export function regionOfQueueUrl(queueUrl: string): string | undefined {
  return /^https:\/\/sqs[.-]([a-z0-9-]+)\.amazonaws\.com(\.cn)?\//.exec(queueUrl)?.[1];
}
