/**
 * The OpenAPI 3.1 description of the API, generated from the valibot schemas that validate the
 * requests and responses (`lib/call/`, `lib/query.ts`, `lib/openapi/schemas.ts`), never written
 * by hand. Served at `GET /openapi.json`. Built once per process; only `servers` differs per request.
 */
import { type ConversionConfig, type JsonSchema, toJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import { version } from '../../package.json';
import { CallSchema } from '../call';
import { ACCEPTED_PHONE_PATTERN } from '../call/phone';
import { ACCEPTED_INSTANT_PATTERN } from '../call/timestamps';
import { DEFAULTS } from '../config';
import { errors } from '../http/errors';
import { MAX_CALLS_PER_REQUEST } from '../ingest';
import { WEBHOOK_PLATFORMS } from '../platform-signatures/signatures';
import { DEFAULT_LIMIT, MAX_LIMIT, ParamsSchema } from '../query';
import { CEKURA_PUSH_PATH, ROUTES } from '../routes';
import { SOURCE_NAMES } from '../sources';
import { CekuraPushBodySchema, EraseResultSchema, ErasureIncompleteSchema, ErrorBodySchema, StackCallSchema, StoreResultSchema } from './schemas';
import { WIRE_SHAPE_KEY, type WireShapes } from './wire-shape';

export type WireForm = keyof WireShapes;

/**
 * Actions JSON Schema cannot express, and why skipping them is faithful:
 * - `finite`: a JSON number is always finite;
 * - `check`, `partial_check`: cross-field rules (end_time >= start_time, endedAt >= startedAt),
 *   stated in the descriptions;
 * - `transform`, `raw_transform`: normalisation, whose wire shapes the `x-wire-shape` hints give.
 */
const INEXPRESSIBLE_ACTIONS = new Set(['finite', 'check', 'partial_check', 'transform', 'raw_transform']);

function conversion(form: WireForm): ConversionConfig {
  return {
    target: 'draft-2020-12',
    // Anything else that cannot be converted fails the build of the document (and its test).
    errorMode: 'throw',
    overrideAction: ({ valibotAction, jsonSchema }) => {
      if (valibotAction.type === 'metadata') {
        const shapes = (valibotAction as unknown as { metadata: Record<string, unknown> }).metadata[WIRE_SHAPE_KEY] as WireShapes | undefined;
        if (shapes) return structuredClone(shapes[form]) as JsonSchema;
      }
      return INEXPRESSIBLE_ACTIONS.has(valibotAction.type) ? { ...jsonSchema } : undefined;
    },
  };
}

/**
 * A call as JSON Schema 2020-12: `served` is what GET returns (normalised; fields with defaults
 * always present), `accepted` what POST takes.
 */
export function callJsonSchema(form: WireForm): Record<string, unknown> {
  const schema = toJsonSchema(CallSchema, conversion(form)) as Record<string, unknown>;
  delete schema.$schema;
  if (form === 'served') requireDefaults(schema);
  // A default on an accepted field tells generated clients (openapi-typescript) the field is always
  // there; it is optional on the way in, so the default moves into the description.
  else defaultsToDescriptions(schema);
  schema.description =
    form === 'served'
      ? 'A call as served: UTC timestamps with milliseconds, E.164 numbers, tool arguments and results as JSON text, messages sorted by start_time. endedAt >= startedAt and each end_time >= start_time.'
      : 'A call as accepted. endedAt must not be before startedAt, nor a message end_time before its start_time. Unknown fields are dropped.';
  return schema;
}

/** A served call always carries the fields that have a default on ingest. */
function requireDefaults(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(requireDefaults);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const object = node as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  if (object.properties) {
    for (const [key, property] of Object.entries(object.properties)) {
      if ('default' in property) {
        delete property.default;
        object.required = [...new Set([...(object.required ?? []), key])];
      }
    }
  }
  Object.values(node).forEach(requireDefaults);
}

function defaultsToDescriptions(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(defaultsToDescriptions);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const object = node as Record<string, unknown>;
  if ('default' in object) {
    const note = `Default: ${JSON.stringify(object.default)}.`;
    object.description = typeof object.description === 'string' ? `${object.description}. ${note}` : note;
    delete object.default;
  }
  Object.values(object).forEach(defaultsToDescriptions);
}

/** Query parameters as their values mean, not as the strings a query string carries. */
const PARAMETER_SCHEMAS: Partial<Record<keyof typeof PARAMETER_DESCRIPTIONS, Record<string, unknown>>> = {
  limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
  number: { type: 'string', pattern: ACCEPTED_PHONE_PATTERN.source },
  phone_number: { type: 'string', pattern: ACCEPTED_PHONE_PATTERN.source },
  customerNumber: { type: 'string', pattern: ACCEPTED_PHONE_PATTERN.source },
  from: { type: 'string', pattern: ACCEPTED_INSTANT_PATTERN },
  to: { type: 'string', pattern: ACCEPTED_INSTANT_PATTERN },
  createdAtGt: { type: 'string', pattern: ACCEPTED_INSTANT_PATTERN },
  createdAtGe: { type: 'string', pattern: ACCEPTED_INSTANT_PATTERN },
  createdAtLt: { type: 'string', pattern: ACCEPTED_INSTANT_PATTERN },
  createdAtLe: { type: 'string', pattern: ACCEPTED_INSTANT_PATTERN },
};

function plainJsonSchema(schema: v.GenericSchema): Record<string, unknown> {
  const json = toJsonSchema(schema, { target: 'draft-2020-12', errorMode: 'throw' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** What each query parameter means; the test checks every parameter of ParamsSchema has one. */
export const PARAMETER_DESCRIPTIONS: Record<keyof typeof ParamsSchema.entries, string> = {
  number:
    "The customer's number, E.164. `+` arriving as a space, `%2B`, spaces, dashes, dots and parentheses are accepted. Without any number, every call in the window is returned.",
  phone_number: 'Same as number.',
  customerNumber: 'Same as number.',
  from: 'Inclusive lower bound on startedAt, ISO 8601 with a zone. Default: 24 hours before `to`.',
  to: 'Inclusive upper bound on startedAt, ISO 8601 with a zone. Default: now.',
  createdAtGt: 'Exclusive lower bound on startedAt (Vapi-style).',
  createdAtGe: 'Inclusive lower bound on startedAt (Vapi-style).',
  createdAtLt: 'Exclusive upper bound on startedAt (Vapi-style).',
  createdAtLe: 'Inclusive upper bound on startedAt (Vapi-style).',
  limit: `Calls per response, 1-${MAX_LIMIT}; default ${DEFAULT_LIMIT}.`,
  cursor: 'From the `Link` header of the previous response, to get the next page.',
};

/** An example call as a client would POST it: tool arguments given as an object. */
export const EXAMPLE_CALL_INPUT = {
  id: 'call-2025-01-01-0001',
  startedAt: '2025-01-01T10:00:00Z',
  endedAt: '2025-01-01T10:01:00Z',
  customer: { number: '+16505551234', name: 'Ada' },
  messages: [
    { role: 'bot', content: 'Hi, how can I help?', start_time: 1.5, end_time: 3.2 },
    { role: 'user', content: 'Book me for Tuesday.', start_time: 4.1, end_time: 6.8 },
    { role: 'function_call', content: '', start_time: 7, end_time: 7.1, data: { id: 'tool_1', name: 'book', arguments: { day: 'tuesday' } } },
    { role: 'function_call_result', content: '', start_time: 7.1, end_time: 7.2, data: { id: 'tool_1', name: 'book', result: 'ok' } },
    { role: 'bot', content: 'Booked for Tuesday.', start_time: 7.5, end_time: 9 },
  ],
  endedReason: 'customer-ended-call',
  recordingUrl: 'https://recordings.example.com/call-2025-01-01-0001.wav',
  phoneNumber: '+14155550100',
  metadata: { campaign: 'spring' },
};

/** Cekura's push body as its reference agent sends it: message times in seconds from the start. */
export const EXAMPLE_PUSH_BODY = {
  agent_id: 4321,
  calls: [
    {
      id: 'sess-42',
      startedAt: '2025-01-01T10:00:00Z',
      endedAt: '2025-01-01T10:00:30Z',
      endedReason: 'customer-ended-call',
      from_phone_number: '+16505551234',
      run_id: 98765,
      messages: [
        { role: 'bot', content: 'Hi, how can I help?', start_time: 0.5, end_time: 2 },
        { role: 'user', content: 'Is my order shipped?', start_time: 2.6, end_time: 4.1, type: 'transcript' },
      ],
      metadata: { recording_url: 'https://recordings.example.com/sess-42.wav' },
    },
  ],
};

const errorBody = (error: Error) => JSON.parse(error.message) as unknown;

function errorExamples() {
  return {
    invalid: errorBody(errors.validation([{ path: 'messages[0].start_time', message: 'must be >= 0 (seconds from the start of the call)' }])),
    unauthorized: errorBody(errors.unauthorized()),
    notFound: errorBody(errors.notFound()),
    methodNotAllowed: errorBody(errors.methodNotAllowed(['GET'])),
    payloadTooLarge: errorBody(errors.payloadTooLarge(`The body must be at most ${DEFAULTS.maxBodyBytes} bytes.`)),
    unsupportedMediaType: errorBody(errors.unsupportedMediaType()),
    unavailable: errorBody(errors.unavailable()),
  };
}

const WWW_AUTHENTICATE = { 'WWW-Authenticate': { description: 'The scheme to authenticate with: `Bearer`.', schema: { type: 'string' } } };

const json = (schema: unknown, example?: unknown) => ({ 'application/json': { schema, ...(example === undefined ? {} : { example }) } });
const errorResponse = (description: string, example: unknown, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: json({ $ref: '#/components/schemas/Error' }, example),
});

/** The path of each documented route key, e.g. `GET /calls/{number}` -> `/calls/{number}`. */
export function documentedRoutes(): Array<{ method: string; path: string }> {
  // HEAD twins of GET routes (lib/routes.ts) are implied by their GET operation.
  return ROUTES.filter((r) => r.routeKey !== '$default' && !r.routeKey.startsWith('ANY ') && !r.routeKey.startsWith('HEAD ')).map((r) => {
    const [method, path] = r.routeKey.split(' ') as [string, string];
    return { method: method.toLowerCase(), path };
  });
}

function buildDocument(): Record<string, unknown> {
  const served = v.parse(CallSchema, EXAMPLE_CALL_INPUT);
  const examples = errorExamples();
  const paramsSchema = toJsonSchema(ParamsSchema, { target: 'draft-2020-12', typeMode: 'input', errorMode: 'throw' }) as {
    properties: Record<string, Record<string, unknown>>;
  };
  const queryParameters = Object.entries(paramsSchema.properties).map(([name, schema]) => ({
    name,
    in: 'query',
    required: false,
    description: PARAMETER_DESCRIPTIONS[name as keyof typeof PARAMETER_DESCRIPTIONS],
    schema: PARAMETER_SCHEMAS[name as keyof typeof PARAMETER_DESCRIPTIONS] ?? schema,
  }));
  const readErrors = {
    '400': errorResponse('A parameter is invalid; `issues` names each one.', examples.invalid),
    '401': errorResponse('No key, or not a read key.', examples.unauthorized, WWW_AUTHENTICATE),
    '503': errorResponse('A dependency is briefly unavailable; retry.', examples.unavailable, { 'Retry-After': { schema: { type: 'string' } } }),
  };
  const readResponse = {
    description: 'A bare JSON array of calls, newest startedAt first; `[]` when none match.',
    headers: {
      Link: { description: '`<...&cursor=...>; rel="next"` when more calls match than this response holds.', schema: { type: 'string' } },
    },
    content: json({ type: 'array', items: { $ref: '#/components/schemas/Call' } }, [served]),
  };
  const readOperation = (operationId: string, summary: string, extra: unknown[] = []) => ({
    operationId,
    summary,
    description:
      'Read key in `Authorization` (raw, as Cekura sends it, or as a Bearer token). Answers a bare JSON array of calls whose startedAt is in the window, newest first; ' +
      'more than fit in one response are paged with the `Link` header.',
    tags: ['calls'],
    parameters: [...extra, ...queryParameters],
    responses: { '200': readResponse, ...readErrors },
  });

  const paths: Record<string, Record<string, unknown>> = {
    '/calls': {
      get: readOperation('listCalls', 'Calls in a time window, for one number or all (what Cekura calls)'),
      post: {
        operationId: 'storeCalls',
        summary: 'Store calls (ingest key). All or nothing; a call re-sent with the same id replaces it.',
        description:
          "Cekura's call format, Cekura's push body, a platform's post-call payload or a self-built stack's export (`?source=`, or detected per payload). " +
          'Every payload is validated before anything is stored; a 400 names each problem with its path.',
        tags: ['calls'],
        parameters: [
          {
            name: 'source',
            in: 'query',
            required: false,
            description:
              "The format of every payload in the body: `custom` (this call format) or a platform's post-call payload. " +
              'Without it the format is detected per payload, and a payload in no known format is a 400 listing those tried.',
            schema: { type: 'string', enum: [...SOURCE_NAMES] },
          },
        ],
        requestBody: {
          required: true,
          content: json(
            {
              // anyOf: a platform payload is any object, so a call matches more than one alternative.
              anyOf: [
                { $ref: '#/components/schemas/CallInput' },
                { $ref: '#/components/schemas/CekuraPushBody' },
                { $ref: '#/components/schemas/StackCall' },
                {
                  type: 'object',
                  additionalProperties: true,
                  description: "A platform's post-call payload as it sends it (`?source=vapi|retell|elevenlabs|cekura`), or an array of such payloads",
                },
                { type: 'array', minItems: 1, maxItems: MAX_CALLS_PER_REQUEST, items: { $ref: '#/components/schemas/CallInput' } },
                {
                  type: 'object',
                  required: ['calls'],
                  properties: { calls: { type: 'array', minItems: 1, maxItems: MAX_CALLS_PER_REQUEST, items: { $ref: '#/components/schemas/CallInput' } } },
                },
              ],
              description: `One call (or platform payload), an array of them or { "calls": [...] }; at most ${MAX_CALLS_PER_REQUEST} calls and ${DEFAULTS.maxBodyBytes} bytes.`,
            },
            EXAMPLE_CALL_INPUT,
          ),
        },
        responses: {
          '200': {
            description: 'Every call was stored, except calls that started longer ago than the retention period: those are listed in `expired` and not stored.',
            content: json({ $ref: '#/components/schemas/StoreResult' }, { stored: 1, ids: [EXAMPLE_CALL_INPUT.id] }),
          },
          '400': errorResponse('Some call is invalid; nothing was stored. `issues` names every problem.', {
            error: { ...(examples.invalid as { error: object }).error, issues: [{ path: '[1].endedAt', message: 'must not be before startedAt' }] },
          }),
          '401': errorResponse('No key, or not an ingest key.', examples.unauthorized, WWW_AUTHENTICATE),
          '413': errorResponse('The body, or a call even compressed, is too large.', examples.payloadTooLarge),
          '415': errorResponse('Content-Type is not application/json.', examples.unsupportedMediaType),
          '503': readErrors['503'],
        },
      },
      delete: {
        operationId: 'eraseCalls',
        summary: 'Erase calls (ingest key): one call by id, or every call of a customer number, all time',
        description:
          'Exactly one of `id` or `number`; any other parameter is a 400. By number, every call filed under it is deleted, whatever its startedAt ' +
          '(the byNumber index is paged through; never a Scan). Safe to repeat: deleting what is not there answers `{ "deleted": 0 }`. ' +
          'An erasure that cannot finish answers 503 with how many calls it deleted; repeat it to delete the rest. Deleted calls are not pushed to Cekura again.',
        tags: ['calls'],
        parameters: [
          {
            name: 'id',
            in: 'query',
            required: false,
            description: 'The id of the call to delete (its current item and any older item for it).',
            schema: { type: 'string', minLength: 1, maxLength: 255 },
          },
          {
            name: 'number',
            in: 'query',
            required: false,
            description: "The customer's number (E.164; the same forms as GET accept): every call of it is deleted.",
            schema: { type: 'string', pattern: ACCEPTED_PHONE_PATTERN.source },
          },
        ],
        responses: {
          '200': { description: 'How many calls were deleted, e.g. `{ "deleted": 3 }`.', content: json({ $ref: '#/components/schemas/EraseResult' }) },
          '400': errorResponse('Neither or both of id and number, an invalid one, or another parameter; nothing was deleted.', examples.invalid),
          '401': errorResponse('No key, or not an ingest key.', examples.unauthorized, WWW_AUTHENTICATE),
          '503': {
            description:
              'The erasure stopped before the end (or a dependency is briefly unavailable): `deleted` says how many calls are already gone. Repeat the request.',
            headers: { 'Retry-After': { schema: { type: 'string' } } },
            content: json({ $ref: '#/components/schemas/ErasureIncomplete' }),
          },
        },
      },
    },
    [CEKURA_PUSH_PATH]: {
      post: {
        operationId: 'cekuraPushWebhook',
        summary: "Cekura's push webhook body, at Cekura's own path: code written for Cekura's webhook works by changing only its base URL",
        description:
          'Stored like `POST /calls?source=cekura-push`. The key goes in `X-CEKURA-API-KEY` (as Cekura clients send it) or in `Authorization`. ' +
          'A trailing slash is accepted, as on Cekura.',
        tags: ['calls'],
        security: [{ cekuraKey: [] }, { apiKey: [] }, { bearer: [] }],
        requestBody: { required: true, content: json({ $ref: '#/components/schemas/CekuraPushBody' }, EXAMPLE_PUSH_BODY) },
        responses: {
          '200': { description: 'Every call was stored.', content: json({ $ref: '#/components/schemas/StoreResult' }, { stored: 1, ids: ['sess-42'] }) },
          '400': errorResponse('Some call is invalid; nothing was stored. `issues` names every problem.', examples.invalid),
          '401': errorResponse('No key, or not an ingest key.', examples.unauthorized, WWW_AUTHENTICATE),
          '413': errorResponse('The body, or a call even compressed, is too large.', examples.payloadTooLarge),
          '415': errorResponse('Content-Type is not application/json.', examples.unsupportedMediaType),
          '503': readErrors['503'],
        },
      },
    },
    '/calls/{number}': {
      get: readOperation('listCallsForNumber', 'Calls of one number (the number in the path)', [
        { name: 'number', in: 'path', required: true, description: PARAMETER_DESCRIPTIONS.number, schema: { type: 'string' }, example: '+16505551234' },
      ]),
    },
    '/webhooks/{platform}': {
      post: {
        operationId: 'platformWebhook',
        summary: "A voice platform's post-call webhook, pointed at this API; stored like POST /calls",
        description:
          "No API key: each platform's own signature over the raw body authenticates the request (Vapi: its HMAC credential's " +
          'x-signature and x-timestamp, or the header its credential names, or a Bearer token in Authorization / x-vapi-secret, or the older ' +
          'x-vapi-signature; Retell: x-retell-signature; ElevenLabs: elevenlabs-signature). Events without a finished call answer 200 ' +
          'with `ignored`, so the platform does not retry them.',
        tags: ['webhooks'],
        security: [],
        parameters: [
          { name: 'platform', in: 'path', required: true, schema: { type: 'string', enum: [...WEBHOOK_PLATFORMS] } },
          ...['x-signature', 'x-timestamp', 'x-vapi-signature', 'x-vapi-secret', 'x-retell-signature', 'elevenlabs-signature'].map((name) => ({
            name,
            in: 'header',
            required: false,
            description: 'The signature header of the platform in the path.',
            schema: { type: 'string' },
          })),
        ],
        requestBody: { required: true, content: json({ type: 'object', description: "The platform's webhook event, as it sends it" }) },
        responses: {
          '200': {
            description: 'The call was stored, or the event ignored.',
            content: json({ $ref: '#/components/schemas/StoreResult' }, { stored: 0, ids: [], ignored: ['a status-update event carries no finished call'] }),
          },
          '400': errorResponse('The event holds an invalid call; nothing was stored.', examples.invalid),
          '401': errorResponse('The signature is missing, stale or invalid.', examples.unauthorized),
          '404': errorResponse('Not a supported platform.', examples.notFound),
          '413': errorResponse('The body is too large.', examples.payloadTooLarge),
          '415': errorResponse('Content-Type is not application/json.', examples.unsupportedMediaType),
          '503': readErrors['503'],
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openApi',
        summary: 'This description (no key needed)',
        description: 'Generated from the valibot schemas that validate requests, so it cannot drift from what the API does.',
        tags: ['meta'],
        security: [],
        responses: {
          '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) },
          '405': errorResponse('Another method than GET (or HEAD).', examples.methodNotAllowed),
        },
      },
    },
    '/': {
      get: {
        operationId: 'callViewer',
        summary: 'The call viewer page (no key needed)',
        description:
          'An HTML page listing and showing the calls GET /calls serves, turn by turn, with the warnings `npm run verify` gives. ' +
          'It holds no data: it calls GET /calls on this origin with the read key typed into it. Strict Content-Security-Policy.',
        tags: ['meta'],
        security: [],
        responses: {
          '200': { description: 'The page (gzipped when accepted).', content: { 'text/html': { schema: { type: 'string' } } } },
          '304': { description: 'Unchanged since the ETag given in If-None-Match.' },
          '405': errorResponse('Another method than GET.', examples.methodNotAllowed),
        },
      },
    },
    '/assets/{file}': {
      get: {
        operationId: 'callViewerAsset',
        summary: "The call viewer's script or style sheet",
        description: 'File names carry a hash of their content, so a file is cached for a year and a new build has new names.',
        tags: ['meta'],
        security: [],
        parameters: [{ name: 'file', in: 'path', required: true, description: 'A file name the page refers to.', schema: { type: 'string' } }],
        responses: {
          '200': {
            description: 'The file (gzipped when accepted).',
            content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } },
          },
          '404': errorResponse('No such file.', examples.notFound),
          '405': errorResponse('Another method than GET.', examples.methodNotAllowed),
        },
      },
    },
  };

  const documented = new Set(Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`)));
  const missing = documentedRoutes().filter((r) => !documented.has(`${r.method} ${r.path}`));
  if (missing.length > 0) throw new Error(`Routes without an OpenAPI operation: ${missing.map((r) => `${r.method} ${r.path}`).join(', ')}`);

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Cekura call adapter',
      version,
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        "A custom transcript provider for Cekura: serves voice-agent calls in Cekura's call format. Every error is " +
        '`{ "error": { "code", "message", "issues"?: [{ "path", "message" }] } }`; 404 for unknown routes and 405 (with `Allow`) for wrong methods.',
    },
    security: [{ apiKey: [] }, { bearer: [] }],
    tags: [
      { name: 'calls', description: 'Reading calls (what Cekura calls) and storing them' },
      { name: 'webhooks', description: "Voice platforms' post-call webhooks, authenticated by their own signatures" },
      { name: 'meta', description: 'About the API itself' },
    ],
    paths,
    components: {
      securitySchemes: {
        cekuraKey: { type: 'apiKey', in: 'header', name: 'X-CEKURA-API-KEY', description: "The ingest key in Cekura's own header (ingest routes only)." },
        apiKey: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'The key itself: `Authorization: <key>` (what Cekura sends).' },
        bearer: { type: 'http', scheme: 'bearer', description: 'The same key as a Bearer token: `Authorization: Bearer <key>`.' },
      },
      schemas: {
        Call: callJsonSchema('served'),
        CallInput: callJsonSchema('accepted'),
        Error: plainJsonSchema(ErrorBodySchema),
        StoreResult: plainJsonSchema(StoreResultSchema),
        EraseResult: plainJsonSchema(EraseResultSchema),
        ErasureIncomplete: plainJsonSchema(ErasureIncompleteSchema),
        CekuraPushBody: plainJsonSchema(CekuraPushBodySchema),
        StackCall: plainJsonSchema(StackCallSchema),
      },
    },
  };
}

let cached: Record<string, unknown> | undefined;

/** The document, with `servers` set to the base URL it is served from when that is known. */
export function openApiDocument(serverUrl?: string): Record<string, unknown> {
  cached ??= buildDocument();
  return serverUrl ? { ...cached, servers: [{ url: serverUrl }] } : cached;
}
