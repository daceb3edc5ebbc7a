/**
 * What every command line tool (verify, smoke, import, erase, cekura) shares about the adapter it
 * talks to: one reading of `--url`, one way to send a request, one wording of what went wrong.
 *
 * - `--url` is the stack's `ApiUrl` output, with or without `/calls` (and trailing slashes):
 *   `https://abc123.execute-api.us-east-1.amazonaws.com/`, `…/calls`, `http://localhost:3000`.
 *   A URL without a scheme (`localhost:3000`, `abc123.execute-api…`) is refused, naming the fix;
 *   plain `http://` only for this machine (the key would cross the network unencrypted).
 * - Redirects are never followed: a 3xx is a failure that says where it pointed. A redirect can
 *   send the key, or a destructive request, to another origin, and Cekura does not follow them either.
 * - A server that is not there (connection refused, unknown host) fails at the first request, in
 *   one sentence, instead of being retried like a busy one.
 */

import { describeNetworkError as describeFailure, networkErrorCode, UNREACHABLE_CODES } from '../lib/network-errors';

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Hosts that are this machine: plain http is fine there. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

const hasScheme = (input: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(input);

/** The URL as given, checked: a scheme, http(s), plain http for this machine only, no query or fragment unless allowed. */
function checkedUrl(input: string, { allowQuery }: { allowQuery: boolean }): URL {
  const text = input.trim();
  if (text === '') throw new UsageError("--url is empty: give the stack's ApiUrl output (or http://localhost:3000 for npm start)");
  if (!hasScheme(text)) {
    throw new UsageError(
      `--url ${JSON.stringify(text)} has no scheme: give the whole URL, e.g. https://${text.replace(/^\/+/, '')} (or http://${text.replace(/^\/+/, '')} for this machine)`,
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(text)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--url must be an https:// URL, not ${url.protocol}//`);
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    throw new UsageError(
      `--url ${url.origin} is plain http on another machine: the key would cross the network unencrypted; use https:// (http:// is accepted for localhost only)`,
    );
  }
  if (url.username || url.password) throw new UsageError('--url must not hold a user name or password: keys go in the environment variable the usage names');
  if (!allowQuery && (url.search !== '' || url.hash !== '')) {
    throw new UsageError(
      `--url takes the adapter's address only, without ${url.search ? `"${url.search}"` : `"${url.hash}"`}: the options (--number, --from, ...) say the rest`,
    );
  }
  return url;
}

export interface AdapterUrls {
  /** The API's base URL, without a trailing slash: `https://abc123.execute-api.us-east-1.amazonaws.com`. */
  base: string;
  /** `<base>/calls`. */
  calls: URL;
}

/** The adapter's base and `/calls` URLs from `--url` (its `ApiUrl`, with or without `/calls`); a UsageError names what is wrong. */
export function adapterUrls(input: string): AdapterUrls {
  const url = checkedUrl(input, { allowQuery: false });
  const path = url.pathname.replace(/\/+$/, '').replace(/\/calls$/, '');
  const base = `${url.origin}${path}`;
  return { base, calls: new URL(`${base}/calls`) };
}

/** `adapterUrls(input).calls`: the URL the commands that read, store or erase calls send to. */
export function callsUrl(input: string): URL {
  return adapterUrls(input).calls;
}

/**
 * The endpoint `npm run verify` calls as Cekura would. The adapter's ApiUrl (a bare origin, or
 * one ending in `/calls`) becomes its `/calls` URL, as for every other command: given the base URL,
 * verify would otherwise judge the viewer page. Any other path is an endpoint of your own and is
 * called as given, its query string included (Cekura keeps it too).
 */
export function verifyUrl(input: string): URL {
  const url = checkedUrl(input, { allowQuery: true });
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '' && url.search === '') return adapterUrls(input).calls;
  return url;
}

/** A request that answered a redirect: never followed, and said where it pointed. */
export class RedirectError extends Error {
  override name = 'RedirectError';
  constructor(
    readonly url: string,
    readonly status: number,
    readonly location: string | undefined,
  ) {
    super(
      `${url} answered ${status}, a redirect to ${location ? location : '(no Location header)'}: not followed (it could take the key or the request to another server); if you trust that address, give it as --url`,
    );
  }
}

/** The adapter could not be reached at all: nothing listens there, or the host does not exist. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

/** A network error in words; a redirect or a dead server as their own messages say. */
export function describeNetworkError(error: unknown, timeoutMs?: number): string {
  if (error instanceof RedirectError || error instanceof UnreachableError) return error.message;
  return describeFailure(error, timeoutMs);
}

export interface AdapterRequestInit extends Omit<RequestInit, 'redirect' | 'signal'> {
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * `fetch` with `redirect: 'manual'`: a 3xx throws a RedirectError naming where it pointed, a dead
 * server an UnreachableError (not worth retrying); other network errors and timeouts are thrown as
 * fetch throws them (worth retrying).
 */
export async function adapterFetch(url: URL | string, init: AdapterRequestInit = {}): Promise<Response> {
  const { timeoutMs = 30_000, fetch: fetcher = fetch, ...rest } = init;
  let response: Response;
  try {
    response = await fetcher(url, { ...rest, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const code = networkErrorCode(error);
    if (code && UNREACHABLE_CODES.has(code))
      throw new UnreachableError(`could not reach ${new URL(String(url)).origin}: ${describeFailure(error)}`, { cause: error });
    throw error;
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    const location = response.headers.get('location') ?? undefined;
    const shown = new URL(String(url));
    throw new RedirectError(`${shown.origin}${shown.pathname}`, response.status, location && new URL(location, shown).href);
  }
  return response;
}

/** The id a payload carries, where a source keeps it, for naming it in a message; undefined when none is found. */
export function payloadId(value: unknown): string | undefined {
  const at = (object: unknown, ...path: string[]): unknown =>
    path.reduce<unknown>((current, key) => (typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[key] : undefined), object);
  const candidates = [
    at(value, 'id'),
    at(value, 'call_id'),
    at(value, 'call', 'id'),
    at(value, 'call', 'call_id'),
    at(value, 'message', 'call', 'id'),
    at(value, 'data', 'conversation_id'),
    at(value, 'calls', '0', 'id'),
  ];
  const found = candidates.find((c) => typeof c === 'string' && c !== '');
  return found as string | undefined;
}
