/**
 * DynamoDB Streams (new images) → Cekura's custom-provider webhook. Every call stored or replaced
 * is pushed once per stream record; Cekura keys calls by id, so a re-delivery is harmless.
 *
 * Failures:
 * - retryable after the in-process retries (timeout, 5xx, 429): reported in `batchItemFailures`,
 *   so the event source mapping retries from that record, and after its own retries sends the
 *   stream position to the dead-letter queue (its on-failure destination);
 * - permanent (a 4xx retrying cannot fix, an undecodable item): sent to the dead-letter queue at
 *   once, not retried. If that send fails, the record is reported as failed instead.
 * With Cekura Observe on, two forwarders read the same stream, each sending one way (CEKURA_CHANNEL):
 * test calls to the webhook, production calls to Observe; each has its own retries, dead-letter
 * queue and alarm, so one failing never holds the other back.
 *
 * A call no agent takes (no agent_id, agent number not in CEKURA_AGENTS, no CEKURA_AGENT_ID) is not
 * pushed and not failed (retrying cannot route it): it is logged and counted in the CloudWatch
 * metric CekuraCallAdapter/CallsWithoutAgent, for an alarm.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Call } from '../lib/call';
import { type DeadLetterSender, sqsDeadLetterSender } from '../lib/cekura-push/dead-letters';
import { CEKURA_ENV, CEKURA_KEY_PLACEHOLDER, cekuraConfigFromEnv, type ForwardOptions, forwardCalls } from '../lib/cekura-push/forward';
import { RunLookupCache } from '../lib/cekura-push/runs';
import { logger } from '../lib/logger';
import { isSmokeCall } from '../lib/operations/smoke';
import { recordingSignerFromEnv } from '../lib/recordings/signer';
import { secretsProvider } from '../lib/secrets/api-keys';
import { decodeStoredDoc } from '../lib/store/dynamodb-call-store';

export interface ForwarderDependencies {
  forward: Omit<ForwardOptions, 'signal'>;
  deadLetters: DeadLetterSender;
  /** Counts calls that were not pushed for want of an agent (deployed: a CloudWatch metric). */
  countUnrouted?: (count: number) => void;
}

export const METRICS_NAMESPACE = 'CekuraCallAdapter';
export const UNROUTED_METRIC = 'CallsWithoutAgent';

/** CallsWithoutAgent as a CloudWatch metric: an EMF line in the function's log, no API call. */
export function cloudWatchUnroutedCounter(
  metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cekura-call-adapter' }),
): (count: number) => void {
  return (count) => {
    metrics.addMetric(UNROUTED_METRIC, MetricUnit.Count, count);
    metrics.publishStoredMetrics();
  };
}

interface Decoded {
  record: DynamoDBRecord;
  pk: string | undefined;
  call?: Call;
  error?: string;
}

function decode(record: DynamoDBRecord): Decoded {
  const image = record.dynamodb?.NewImage;
  const pk = image?.pk?.S;
  try {
    if (!image) throw new Error('the stream record has no new image (is the stream NEW_IMAGE?)');
    const json = decodeStoredDoc({ pk, doc: image.doc?.S, docz: image.docz?.B as string | undefined });
    return { record, pk, call: JSON.parse(json) as Call };
  } catch (error) {
    return { record, pk, error: error instanceof Error ? error.message : String(error) };
  }
}

export function createForwarderHandler(deps: ForwarderDependencies) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    // REMOVE (TTL expiry) carries no new image and nothing to push.
    const decoded = event.Records.filter((r) => r.eventName === 'INSERT' || r.eventName === 'MODIFY').map(decode);

    // One push per call: the latest image wins when a call was replaced within the batch.
    const latest = new Map<string, Call>();
    // `npm run smoke`'s synthetic call is stored and erased on every run: never pushed to Cekura.
    for (const d of decoded) if (d.call && !isSmokeCall(d.call)) latest.set(d.call.id, d.call);
    const result = await forwardCalls([...latest.values()], deps.forward);
    if (result.unrouted.length > 0) deps.countUnrouted?.(result.unrouted.length);
    const failedById = new Map(result.failed.map((f) => [f.id, f]));

    const failures: string[] = [];
    for (const d of decoded) {
      const failed = d.call
        ? failedById.get(d.call.id)
        : { permanent: true, status: undefined, reason: `undecodable stored call: ${d.error}`, channel: deps.forward.channels?.[0] };
      if (!failed) continue;
      const sequenceNumber = d.record.dynamodb?.SequenceNumber;
      if (!failed.permanent) {
        if (sequenceNumber) failures.push(sequenceNumber);
        continue;
      }
      try {
        await deps.deadLetters({
          pk: d.pk,
          callId: d.call?.id,
          status: failed.status,
          reason: failed.reason,
          ...(failed.channel ? { channel: failed.channel } : {}),
          eventId: d.record.eventID,
          sequenceNumber,
          at: new Date().toISOString(),
        });
        logger.warn('cekura push dead-lettered', { pk: d.pk, status: failed.status, channel: failed.channel });
      } catch (error) {
        logger.error('could not dead-letter a refused call: reporting it as failed', {
          pk: d.pk,
          error: error instanceof Error ? error.message : String(error),
        });
        if (sequenceNumber) failures.push(sequenceNumber);
      }
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

let lambdaHandler: ReturnType<typeof createForwarderHandler> | undefined;

export const handler = (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  if (!lambdaHandler) {
    const config = cekuraConfigFromEnv();
    if (!config) throw new Error(`Pushing is off: set ${CEKURA_ENV.agentId}, ${CEKURA_ENV.agents} or ${CEKURA_ENV.push}=on`);
    const secretId = process.env[CEKURA_ENV.apiKeySecretId];
    const dlqUrl = process.env[CEKURA_ENV.dlqUrl];
    if (!secretId || !dlqUrl) throw new Error(`${CEKURA_ENV.apiKeySecretId} and ${CEKURA_ENV.dlqUrl} must be set`);
    const signRecording = recordingSignerFromEnv();
    lambdaHandler = createForwarderHandler({
      forward: {
        ...config,
        // Kept for the container's lifetime: batches arriving close together share each agent's lookup.
        runLookup: config.runLookup && { ...config.runLookup, lookups: new RunLookupCache() },
        signRecording,
        apiKey: async () => {
          // Re-read every few minutes, so pasting the key into the secret needs no redeploy; the
          // shared provider's client has timeouts, so a hung Secrets Manager fails the batch quickly.
          const value = await secretsProvider().get(secretId, { maxAge: 300 });
          if (typeof value !== 'string' || value.trim() === '' || value.trim() === CEKURA_KEY_PLACEHOLDER)
            throw new Error('The Cekura API key secret is empty: put the key in it');
          return value.trim();
        },
      },
      deadLetters: sqsDeadLetterSender({ queueUrl: dlqUrl }),
      // Both forwarders (webhook, Observe) see every call: the webhook's counts the unrouted ones, once.
      countUnrouted: config.channels?.includes('webhook') === false ? undefined : cloudWatchUnroutedCounter(),
    });
  }
  return lambdaHandler(event);
};
