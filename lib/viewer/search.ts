/**
 * The requests the call viewer makes, and how it reads the answers: the same `GET /calls` Cekura
 * calls, on the page's own origin only. Pure, so the rules are tested without a browser.
 */
import { checkResponseShape } from '../verify/checks';

export interface Search {
  /** As typed; empty lists every call in the window. */
  number: string;
  /** ISO 8601 instants; empty leaves the bound to the API (the last 24 hours). */
  from: string;
  to: string;
  /** Calls per page; empty leaves it to the API. */
  limit: string;
}

/** `calls?number=…&from=…` relative to the page, so it works under any base path. */
export function searchPath(search: Search): string {
  const params = new URLSearchParams();
  const add = (name: string, value: string) => {
    if (value.trim() !== '') params.set(name, value.trim());
  };
  add('number', search.number);
  add('from', search.from);
  add('to', search.to);
  add('limit', search.limit);
  const query = params.toString();
  return query === '' ? 'calls' : `calls?${query}`;
}

/** `; rel="next"` or `; rel=next`, among other parameters and relation types. */
function isRelNext(params: string): boolean {
  return params.split(';').some((param) => {
    const [name, value] = param.split('=', 2).map((text) => text.trim());
    return name?.toLowerCase() === 'rel' && (value ?? '').replace(/^"|"$/g, '').toLowerCase().split(/\s+/).includes('next');
  });
}

/**
 * The next page from a `Link: <…>; rel="next"` header, resolved against the URL of the answer.
 * Only a URL on `origin` is followed: the read key goes nowhere else.
 */
export function nextPageUrl(link: string | null | undefined, responseUrl: string, origin: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (!match || !isRelNext(match[2]!)) continue;
    let url: URL;
    try {
      url = new URL(match[1]!, responseUrl);
    } catch {
      return undefined;
    }
    return url.origin === origin ? url.href : undefined;
  }
  return undefined;
}

export interface Answer {
  status: number;
  contentType: string | null;
  /** The `Date` header: calls starting later than that (plus skew) are flagged. */
  date: string | null;
  body: string;
}

export type Outcome = { ok: true; calls: unknown[]; serverNowMs: number | undefined } | { ok: false; message: string };

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; issues?: Array<{ path?: unknown; message?: unknown }> };
}

function errorOf(body: string): ErrorBody['error'] {
  try {
    return (JSON.parse(body) as ErrorBody | null)?.error;
  } catch {
    return undefined;
  }
}

/** A plain sentence for each answer that is not a list of calls. */
export function readAnswer(answer: Answer): Outcome {
  const error = errorOf(answer.body);
  const said = typeof error?.message === 'string' ? ` The adapter said: ${error.message}` : '';
  if (answer.status === 401 || answer.status === 403) {
    return {
      ok: false,
      message: `The read key was refused (${answer.status}). Use the read key (npm start prints it; deployed, it is in the ReadKeysSecretName secret): the ingest key does not grant reads.`,
    };
  }
  if (answer.status === 400) {
    const issues = (error?.issues ?? []).map((issue) => `${String(issue.path)} ${String(issue.message)}`.trim());
    return { ok: false, message: `The search was refused (400): ${issues.length > 0 ? issues.join('; ') : String(error?.message ?? 'invalid request')}.` };
  }
  if (answer.status === 503 || answer.status === 429) {
    return { ok: false, message: `The adapter is busy or its storage is unavailable (${answer.status}): try again in a few seconds.${said}` };
  }
  if (answer.status !== 200) return { ok: false, message: `The adapter answered ${answer.status}.${said}` };
  // The same rule verify applies: Cekura needs a bare JSON array, served as application/json.
  const shape = checkResponseShape({ status: answer.status, contentType: answer.contentType ?? undefined, body: answer.body, date: undefined, elapsedMs: 0 });
  if (!shape.calls) return { ok: false, message: `The answer is not what Cekura needs: ${shape.details.join('; ')}.` };
  const serverNowMs = answer.date ? Date.parse(answer.date) : Number.NaN;
  return { ok: true, calls: shape.calls, serverNowMs: Number.isNaN(serverNowMs) ? undefined : serverNowMs };
}

/** What the page says when a search found nothing. */
export function emptyMessage(search: Search): string {
  const who = search.number.trim() === '' ? 'No calls' : `No calls for ${search.number.trim()}`;
  const window = search.from.trim() === '' && search.to.trim() === '' ? 'in the last 24 hours' : 'in this window';
  return `${who} ${window}. Cekura asks for the same window: check the call's startedAt and customer.number.`;
}
