/**
 * Serves the call viewer (`GET /` and `GET /assets/{file}`) from the fallback Lambda, locally and
 * deployed: the page and its two files are strings bundled into the function
 * (lib/viewer/assets.generated.ts), gzipped once per container, never read from disk or S3.
 *
 * The page holds no data and needs no key: it asks `GET /calls` with the key the user types.
 * Its headers keep it that way: a CSP allowing only this origin's script, style and requests
 * (no inline code, so a transcript that sneaks markup in cannot run), nosniff, no referrer.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { VIEWER_ASSET_ROUTE_KEY, VIEWER_ROUTE_KEY } from '../routes';
import type { ViewerAssets } from './assets';
import { VIEWER_ASSETS } from './assets.generated';

export const VIEWER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  // A call's recording, served by GET /calls as a signed https link (S3): played from its own origin, https only.
  'media-src https:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const VIEWER_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': VIEWER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // For browsers older than frame-ancestors.
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** The page is revalidated on every load (cheap: an ETag), so a deploy shows at once. */
export const PAGE_CACHE_CONTROL = 'no-cache';
/** Asset names carry a hash of their content: a new build is a new name. */
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

interface Prepared {
  contentType: string;
  cacheControl: string;
  plain: string;
  gzipped: Buffer;
  etag: string;
}

function prepare(contentType: string, cacheControl: string, body: string): Prepared {
  return {
    contentType,
    cacheControl,
    plain: body,
    gzipped: gzipSync(body, { level: 9 }),
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

/** `gzip` listed in Accept-Encoding, and not with q=0. */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  return (acceptEncoding ?? '').split(',').some((part) => {
    const [coding, ...params] = part.split(';').map((text) => text.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.find((param) => param.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function respond(file: Prepared, headers: Record<string, string | undefined>): APIGatewayProxyStructuredResultV2 {
  const common = { ...VIEWER_SECURITY_HEADERS, 'Cache-Control': file.cacheControl, ETag: file.etag, Vary: 'Accept-Encoding' };
  const known = headers['if-none-match']?.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
  if (known?.includes(file.etag) || known?.includes('*')) return { statusCode: 304, headers: common };
  if (acceptsGzip(headers['accept-encoding'])) {
    return {
      statusCode: 200,
      headers: { ...common, 'Content-Type': file.contentType, 'Content-Encoding': 'gzip' },
      body: file.gzipped.toString('base64'),
      isBase64Encoded: true,
    };
  }
  return { statusCode: 200, headers: { ...common, 'Content-Type': file.contentType }, body: file.plain };
}

export type ViewerResponder = (event: APIGatewayProxyEventV2) => APIGatewayProxyStructuredResultV2 | undefined;

/**
 * Answers the viewer's routes; undefined for any other route, or an asset it does not have (the
 * caller's 404). Files are prepared on the first request, not when the Lambda loads.
 */
export function createViewerResponder(assets: ViewerAssets): ViewerResponder {
  let files: { page: Prepared; byName: Map<string, Prepared> } | undefined;
  const prepared = () =>
    (files ??= {
      page: prepare('text/html; charset=utf-8', PAGE_CACHE_CONTROL, assets.html),
      byName: new Map(Object.entries(assets.assets).map(([name, asset]) => [name, prepare(asset.contentType, ASSET_CACHE_CONTROL, asset.body)])),
    });
  return (event) => {
    const headers = event.headers ?? {};
    if (event.routeKey === VIEWER_ROUTE_KEY) return respond(prepared().page, headers);
    if (event.routeKey === VIEWER_ASSET_ROUTE_KEY) {
      const file = prepared().byName.get(event.pathParameters?.file ?? '');
      return file && respond(file, headers);
    }
    return undefined;
  };
}

export const serveViewer: ViewerResponder = createViewerResponder(VIEWER_ASSETS);
