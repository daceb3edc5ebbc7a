/**
 * Network failures of an HTTP client in words, shared by `npm run verify` (lib/verify) and the
 * other command line tools (scripts/adapter-url.ts). `fetch` reports every one of them as
 * "fetch failed", with the code that says what happened in `cause`.
 */

/** Codes that mean nothing is there to answer: retrying will not fix them. */
export const UNREACHABLE_CODES: ReadonlyMap<string, string> = new Map([
  ['ECONNREFUSED', 'connection refused: nothing is listening there (locally: is npm start running, on that port?)'],
  ['ENOTFOUND', "no such host: check the URL (the stack's ApiUrl output)"],
  ['EAI_AGAIN', 'the host name could not be looked up: check the URL and your network'],
  ['EHOSTUNREACH', 'the host is unreachable: check the URL and your network'],
  ['ENETUNREACH', 'the network is unreachable'],
]);

/** The error code under a fetch failure. */
export function networkErrorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown; errors?: Array<{ code?: unknown }> } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  // Happy eyeballs: a name tried on several addresses, each refused.
  const nested = cause?.errors?.find((e) => typeof e.code === 'string')?.code;
  return typeof nested === 'string' ? nested : undefined;
}

/** `ECONNREFUSED, connection refused: …`, `no answer in 30 s`, or the error's own message. */
export function describeNetworkError(error: unknown, timeoutMs?: number): string {
  if ((error as { name?: string } | null)?.name === 'TimeoutError') return `no answer${timeoutMs ? ` in ${Math.round(timeoutMs / 1000)} s` : ' in time'}`;
  const code = networkErrorCode(error);
  if (code) return `${code}, ${UNREACHABLE_CODES.get(code) ?? 'the request failed'}`;
  const cause = (error as { cause?: { message?: unknown } } | null)?.cause?.message;
  if (typeof cause === 'string') return cause;
  return error instanceof Error ? error.message : String(error);
}
