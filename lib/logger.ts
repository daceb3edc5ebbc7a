import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured logger for every Lambda. Events are never logged whole: they carry the
 * Authorization header and customers' transcripts.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cekura-call-adapter' });
