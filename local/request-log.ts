/**
 * Local mode's request log: one short line per request, `GET /calls 200 4ms`, or with
 * `LOG_FORMAT=json` one JSON object per line. Deployed, API Gateway's access log and the Lambdas'
 * Powertools JSON do this job; locally those info lines are turned down (see local/log-defaults.ts).
 * Headers are never logged: they carry the API key.
 */
import type { RequestLogEntry } from './api-gateway';

export const LOG_FORMAT_ENV = 'LOG_FORMAT';
export type LogFormat = 'text' | 'json';

/** `text` (the default) or `json`; anything else is refused, naming the variable. */
export function logFormatFromEnv(env: NodeJS.ProcessEnv): LogFormat {
  const value = env[LOG_FORMAT_ENV]?.trim().toLowerCase() || 'text';
  if (value === 'text' || value === 'json') return value;
  throw new Error(`${LOG_FORMAT_ENV}=${env[LOG_FORMAT_ENV]} is not valid: use text or json`);
}

export function formatRequestLine(entry: RequestLogEntry, format: LogFormat, now: Date = new Date()): string {
  if (format === 'json') return JSON.stringify({ time: now.toISOString(), method: entry.method, path: entry.path, status: entry.status, ms: entry.ms });
  return `${entry.method} ${entry.path} ${entry.status} ${entry.ms}ms`;
}
