/**
 * The OpenAPI description: valid OpenAPI 3.1 (checked by @seriousme/openapi-schema-validator),
 * covering every route, and its examples and schemas agreeing with the valibot schemas the API
 * validates with.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import * as v from 'valibot';
import { CallSchema } from '../../lib/call';
import { normalisePhoneNumber } from '../../lib/call/phone';
import { errors } from '../../lib/http/errors';
import { callJsonSchema, documentedRoutes, EXAMPLE_CALL_INPUT, openApiDocument, PARAMETER_DESCRIPTIONS } from '../../lib/openapi/document';
import { CekuraPushBodySchema, ErrorBodySchema, StoreResultSchema } from '../../lib/openapi/schemas';
import { ParamsSchema } from '../../lib/query';
import { sampleCall } from '../support/fixtures';

// biome-ignore lint/suspicious/noExplicitAny: generated JSON Schema documents of any shape; each test asserts the parts it reads
type Loose = any;

type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object>; securitySchemes: Record<string, object> };
  security: object[];
  servers?: Array<{ url: string }>;
};
type Operation = {
  security?: object[];
  parameters?: Array<{ name: string; in: string; description?: string; schema: object }>;
  requestBody?: { content: Record<string, { example?: unknown; schema?: unknown }> };
  responses: Record<string, { content?: Record<string, { example?: unknown }> }>;
};

const doc = openApiDocument('https://api.example.com') as unknown as Doc;

function validator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // The document's own component schemas, so `#/components/schemas/...` references resolve.
  ajv.addSchema({ $id: 'doc', components: doc.components });
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
  return (schema: { $ref: string }, value: unknown) => {
    let validate = compiled.get(schema.$ref);
    if (!validate) {
      validate = ajv.compile({ $ref: `doc${schema.$ref}` });
      compiled.set(schema.$ref, validate);
    }
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  };
}
const against = validator();
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

describe('OpenAPI description', () => {
  it('is valid OpenAPI 3.1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(doc));
      // The validator ships as ESM only; its CLI runs it outside jest's module system.
      const cli = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');
      const out = execFileSync(process.execPath, [cli, file], { encoding: 'utf8' });
      expect(JSON.parse(out)).toEqual({ valid: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('documents every route of lib/routes.ts, and both key forms', () => {
    for (const { method, path } of documentedRoutes()) expect([method, path, doc.paths[path]?.[method] !== undefined]).toEqual([method, path, true]);
    expect(doc.components.securitySchemes).toEqual({
      apiKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'Authorization' }),
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      cekuraKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-CEKURA-API-KEY' }),
    });
    expect(doc.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
    expect(doc.paths['/openapi.json']!.get!.security).toEqual([]);
    expect(doc.servers).toEqual([{ url: 'https://api.example.com' }]);
  });

  it('states the input rules as strictly as the server: accepted numbers and instants, integer limit', () => {
    const accepted = callJsonSchema('accepted') as Loose;
    const phone = new RegExp(accepted.properties.customer.properties.number.pattern);
    for (const value of ['+16505551234', '+1 (650) 555-1234', '%2B16505551234', ' 16505551234', '+1.650.555.1234']) {
      expect([value, phone.test(value), normalisePhoneNumber(value) !== undefined]).toEqual([value, true, true]);
    }
    for (const value of ['6505551234', '+0123', 'abc', '+1', '+1234567890123456', '']) {
      expect([value, phone.test(value), normalisePhoneNumber(value) !== undefined]).toEqual([value, false, false]);
    }
    const instant = new RegExp(accepted.properties.startedAt.pattern);
    for (const value of ['2025-01-01T10:00:00Z', '2025-01-01 10:00+02:00', '2025-01-01t10:00:00.123z'])
      expect([value, instant.test(value)]).toEqual([value, true]);
    for (const value of ['2025-01-01', '2025-01-01T10:00:00', '1735725600000']) expect([value, instant.test(value)]).toEqual([value, false]);
    const limit = doc.paths['/calls']!.get!.parameters!.find((p) => p.name === 'limit') as Loose;
    expect(limit.schema).toEqual({ type: 'integer', minimum: 1, maximum: 1000, default: 100 });
  });

  it('describes every query parameter the API reads', () => {
    const names = doc.paths['/calls']!.get!.parameters!.map((p) => p.name);
    expect(names.sort()).toEqual(Object.keys(ParamsSchema.entries).sort());
    for (const name of names) expect(PARAMETER_DESCRIPTIONS[name as keyof typeof PARAMETER_DESCRIPTIONS]).toEqual(expect.any(String));
  });

  it('gives the call faithful JSON Schemas: E.164, date-time, roles, tool data', () => {
    const served = callJsonSchema('served') as Loose;
    expect(served.properties.customer.properties.number.pattern).toBe('^\\+[1-9]\\d{1,14}$');
    expect(served.properties.startedAt.format).toBe('date-time');
    const variants = served.properties.messages.items.oneOf;
    expect(variants.flatMap((m: Loose) => m.properties.role.enum ?? [m.properties.role.const])).toEqual([
      'system',
      'bot',
      'user',
      'function_call',
      'function_call_result',
    ]);
    expect(variants[1].properties.data.required).toEqual(['id', 'name', 'arguments']);
    expect(variants[2].properties.data.required).toEqual(['id', 'name', 'result']);
    const accepted = callJsonSchema('accepted') as Loose;
    expect(accepted.messages).toBeUndefined();
    const args = accepted.properties.messages.items.oneOf[1].properties.data.properties.arguments;
    // One alternative per type, arrays with `items`: generated clients type it string | object | unknown[].
    expect(args.oneOf.map((alternative: Loose) => alternative.type)).toEqual(['string', 'object', 'array']);
    expect(args.oneOf[2].items).toEqual({});
    // No defaults on the way in (a generated client would make the field required), but described.
    expect(args.default).toBeUndefined();
    expect(args.description).toContain('Default: "{}"');
  });

  it('has examples that pass the valibot schemas and the JSON Schemas', () => {
    const examples: Array<[string, unknown, { $ref: string }]> = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const body = op.requestBody?.content['application/json']?.example;
        const bodySchema = op.requestBody?.content['application/json']?.schema as { $ref?: string } | undefined;
        if (body !== undefined) examples.push([`${method} ${path} request`, body, bodySchema?.$ref ? { $ref: bodySchema.$ref } : ref('CallInput')]);
        for (const [status, response] of Object.entries(op.responses)) {
          const example = response.content?.['application/json']?.example;
          if (example === undefined) continue;
          const name = `${method} ${path} ${status}`;
          if (status === '200' && method === 'get') for (const call of example as unknown[]) examples.push([name, call, ref('Call')]);
          else if (status === '200') examples.push([name, example, ref('StoreResult')]);
          else examples.push([name, example, ref('Error')]);
        }
      }
    }
    expect(examples.length).toBeGreaterThanOrEqual(10);
    const valibotFor: Record<string, v.GenericSchema> = {
      Call: CallSchema,
      CallInput: CallSchema,
      CekuraPushBody: CekuraPushBodySchema,
      StoreResult: StoreResultSchema,
      Error: ErrorBodySchema,
    };
    for (const [name, example, schema] of examples) {
      const kind = schema.$ref.split('/').pop()!;
      expect([name, against(schema, example)]).toEqual([name, []]);
      expect([name, v.safeParse(valibotFor[kind]!, example).success]).toEqual([name, true]);
    }
    // The served example is exactly what GET answers for the request example.
    const [served] = doc.paths['/calls']!.get!.responses['200']!.content!['application/json']!.example as unknown[];
    expect(served).toEqual(v.parse(CallSchema, EXAMPLE_CALL_INPUT));
  });

  it('agrees with valibot on calls it accepts and refuses', () => {
    const good = sampleCall();
    expect(against(ref('CallInput'), good)).toEqual([]);
    expect(against(ref('Call'), JSON.parse(JSON.stringify(v.parse(CallSchema, good))))).toEqual([]);
    // Refused by both: a role that does not exist, a negative time, a tool call without data.
    const bad = [
      { ...good, messages: [{ role: 'agent', content: 'x', start_time: 0, end_time: 1 }] },
      { ...good, messages: [{ role: 'bot', content: 'x', start_time: -1, end_time: 1 }] },
      { ...good, messages: [{ role: 'function_call', content: '', start_time: 0, end_time: 1 }] },
      { ...good, customer: {} },
    ];
    for (const call of bad) {
      expect(v.safeParse(CallSchema, call).success).toBe(false);
      expect(against(ref('CallInput'), call)).not.toEqual([]);
    }
    // A served call holds only canonical values: an epoch-ms start or a local number is not one.
    const canonical = JSON.parse(JSON.stringify(v.parse(CallSchema, good)));
    expect(against(ref('Call'), { ...canonical, startedAt: '1735725600000' })).not.toEqual([]);
    expect(against(ref('Call'), { ...canonical, customer: { number: '6505551234' } })).not.toEqual([]);
  });

  it('describes the errors the API really answers', () => {
    const bodies = [
      errors.validation([{ path: 'x', message: 'y' }]),
      errors.unauthorized(),
      errors.notFound(),
      errors.methodNotAllowed(['GET']),
      errors.payloadTooLarge('too large'),
      errors.unsupportedMediaType(),
      errors.unavailable(),
    ].map((e) => JSON.parse(e.message) as unknown);
    for (const body of bodies) {
      expect(against(ref('Error'), body)).toEqual([]);
      expect(v.safeParse(ErrorBodySchema, body).success).toBe(true);
    }
  });
});
