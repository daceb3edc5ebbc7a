/**
 * Amazon Connect → calls: invoked by an EventBridge rule on S3 `Object Created` under the Contact
 * Lens voice analysis prefix of the instance's bucket. Reads the file, describes the contact, and
 * stores the call (lib/amazon-connect/pipeline.ts); the table's stream pushes it to Cekura like any
 * other call. Files with nothing to store are skipped with a log line; a failure (S3 or KMS access
 * denied, an unreadable file, the store) is thrown, so Lambda retries the event and then sends it to
 * this function's dead-letter queue, whose alarm fires.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { connectClients, contactDescriber, s3ObjectReader } from '../lib/amazon-connect/aws-clients';
import { type ConnectAnalysisOptions, type ConnectAnalysisOutcome, type ConnectAnalysisPorts, ingestAnalysisObject } from '../lib/amazon-connect/pipeline';
import { connectSettingsFromEnv } from '../lib/amazon-connect/settings';
import { logger } from '../lib/logger';
import { runtimeFromEnv } from '../lib/runtime';

/** The part of S3's `Object Created` event detail the handler reads. */
export interface ObjectCreatedDetail {
  bucket: { name: string };
  object: { key: string; size?: number };
}

export type ObjectCreatedEvent = EventBridgeEvent<'Object Created', ObjectCreatedDetail>;

export function createConnectAnalysisHandler(ports: ConnectAnalysisPorts, options: ConnectAnalysisOptions) {
  return middy<ObjectCreatedEvent, ConnectAnalysisOutcome, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .handler(async (event) => {
      const object = { bucket: event.detail.bucket.name, key: event.detail.object.key };
      logger.appendKeys({ key: object.key });
      try {
        const outcome = await ingestAnalysisObject(object, ports, options);
        if (outcome.status === 'stored') logger.info('call stored', { ...outcome });
        else logger.info('analysis file skipped', { reason: outcome.reason });
        return outcome;
      } catch (error) {
        // The name and message only (an SDK error's message names the denied action, never data): no stack, no file content.
        const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
        logger.error('analysis file not stored: the event is retried, then sent to the dead-letter queue', { error: { name, message } });
        throw error;
      }
    });
}

let lambdaHandler: ReturnType<typeof createConnectAnalysisHandler> | undefined;

export const handler = (event: ObjectCreatedEvent, context: Context) => {
  if (!lambdaHandler) {
    const { config, store } = runtimeFromEnv();
    const connect = connectSettingsFromEnv(process.env);
    const clients = connectClients(connect.instance);
    lambdaHandler = createConnectAnalysisHandler(
      { readObject: s3ObjectReader(clients.s3), describeContact: contactDescriber(clients.connect, connect.instance), store },
      {
        bucket: connect.bucket,
        redacted: connect.redacted,
        retentionDays: config.retentionDays,
        webCallNumber: config.webCallNumber,
        recordingBuckets: config.recordingBuckets,
      },
    );
  }
  return lambdaHandler(event, context);
};
