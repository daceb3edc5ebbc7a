/**
 * Imported first by local/main.ts (`npm start`), before anything loads lib/logger.ts or the AWS SDK:
 * - Powertools reads its level once, when lib/logger.ts creates the logger, and goes back to it on
 *   every invocation, so only the environment can turn it down. Locally the request log
 *   (local/request-log.ts) says what each request did; the handlers' warnings and errors still show.
 * - The AWS SDK prints a 9-line warning on Node < 22 (its releases after the first week of January
 *   2027 need Node 22); the banner says it in one line instead.
 * Either variable set by the user wins.
 */
process.env.POWERTOOLS_LOG_LEVEL ||= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ||= 'true';
