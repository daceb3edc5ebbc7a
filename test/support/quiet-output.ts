/**
 * Jest setupFiles: runs in each test file's sandbox before its modules load, to keep the test output
 * to test results. The handlers log one Powertools JSON line per request (the tests make thousands
 * of requests); here the sandbox's process.stdout and process.stderr become streams that drop those
 * lines and pass everything else on. Only the sandbox's `process` is changed, never the real streams
 * jest reports on.
 *
 * Tests that capture logs on purpose (captureOutput, captureLogs) replace `process.stdout.write`
 * while they capture, so they still see every line. `TEST_LOGS=1` shows the lines.
 */
import { Writable } from 'node:stream';

/** A whole Powertools log line: `{"level":"INFO","message":...}`. */
export function isStructuredLogLine(text: string): boolean {
  if (!text.startsWith('{"level":')) return false;
  try {
    const record = JSON.parse(text) as { level?: unknown; message?: unknown };
    return typeof record.level === 'string' && typeof record.message === 'string';
  } catch {
    return false;
  }
}

function withoutStructuredLogs(target: NodeJS.WriteStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!isStructuredLogLine(chunk.toString('utf8'))) target.write(chunk);
      callback();
    },
  });
}

if (!process.env.TEST_LOGS) {
  // Powertools creates its Console on these when lib/logger.ts loads, after this file ran.
  for (const name of ['stdout', 'stderr'] as const) {
    Object.defineProperty(process, name, { value: withoutStructuredLogs(process[name]), configurable: true, enumerable: true, writable: true });
  }
}
