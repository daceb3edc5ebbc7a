/**
 * The deployment's security properties, checked on the whole template (with the optional Cekura
 * forwarder, so every kind of function is there), for every role and secret, not only today's:
 * - least privilege: the read Lambda cannot write, the Lambdas that store cannot read calls, the
 *   erase Lambda only finds a number's calls in byNumber and deletes by key, the forwarder (when
 *   present) only reads the table's stream; no Scan, no wildcard, anywhere;
 * - a secret is readable only by the functions whose configuration names it, and by no resource policy;
 * - the API: throttled by default, HTTPS only, no CORS, bodies limited; no header or event in any log.
 */
import type { CfnResource } from 'aws-cdk-lib';
import { DEFAULTS, ENV } from '../../lib/config';
import { type Synthesized, synth } from './synth';

// biome-ignore lint/suspicious/noExplicitAny: a synthesized CloudFormation template is JSON of any shape; each test asserts the parts it reads
type Json = Record<string, any>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const DYNAMO_WRITES = [
  'dynamodb:PutItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:TransactWriteItems',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
];
const DYNAMO_READS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:TransactGetItems',
  'dynamodb:PartiQLSelect',
  'dynamodb:GetRecords',
];
const STREAM_READS = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

interface FunctionInfo {
  /** The function's logical id */
  path: string;
  environment: Record<string, unknown>;
  statements: Statement[];
}

/** Every Lambda of the template with its environment and every statement its role gets. */
function functionsOf(s: Synthesized): FunctionInfo[] {
  const resources = s.template.toJSON().Resources as Record<string, Json>;
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([id, r]) => {
      const roleId: string = r.Properties.Role['Fn::GetAtt'][0];
      const inline: Json[] = resources[roleId]!.Properties.Policies ?? [];
      const attached = Object.values(resources).filter((p) => p.Type === 'AWS::IAM::Policy' && JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`));
      const managed = resources[roleId]!.Properties.ManagedPolicyArns ?? [];
      expect(managed).toEqual([]);
      return {
        path: id,
        environment: r.Properties.Environment?.Variables ?? {},
        statements: [...inline, ...attached.map((p) => p.Properties)].flatMap((p) => p.PolicyDocument.Statement as Statement[]),
      };
    });
}

const dynamoActions = (f: FunctionInfo) => f.statements.flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'));
const fnId = (s: Synthesized, name: keyof Synthesized['stack']['functions']['byName']) =>
  s.stack.getLogicalId(s.stack.functions.byName[name].node.defaultChild as CfnResource);
const byName = (s: Synthesized, fns: FunctionInfo[], name: keyof Synthesized['stack']['functions']['byName']) => fns.find((f) => f.path === fnId(s, name))!;

// One synth, of the largest configuration: the default stack plus the optional Cekura forwarder (every
// check below is over all the functions, roles and secrets there are).
describe.each([['the stack with the Cekura forwarder', { cekuraAgentId: '123' }]])('%s', (_, context) => {
  let s: Synthesized;
  let fns: FunctionInfo[];

  beforeAll(() => {
    s = synth(context);
    fns = functionsOf(s);
  });

  test('no role has a wildcard action or resource, or a Scan', () => {
    for (const f of fns) {
      for (const statement of f.statements) {
        expect(statement.Effect).toBe('Allow');
        for (const action of actionsOf(statement)) expect([f.path, action]).not.toEqual([f.path, expect.stringMatching(/\*/)]);
        for (const resource of resourcesOf(statement)) expect([f.path, resource]).not.toEqual([f.path, '*']);
      }
      expect(dynamoActions(f)).not.toContain('dynamodb:Scan');
    }
  });

  test('the read Lambda cannot write calls', () => {
    const read = byName(s, fns, 'readCalls');
    expect(dynamoActions(read).filter((a) => DYNAMO_WRITES.includes(a))).toEqual([]);
    expect(dynamoActions(read)).toEqual(['dynamodb:Query']);
  });

  test('the Lambdas that store calls cannot read them', () => {
    for (const name of ['ingestCalls', 'platformWebhook'] as const) {
      const writer = byName(s, fns, name);
      expect([name, dynamoActions(writer).filter((a) => DYNAMO_READS.includes(a) || STREAM_READS.includes(a))]).toEqual([name, []]);
    }
  });

  test("the erase Lambda can only find a number's calls in byNumber and delete items by key: no read of the table, no write", () => {
    const erase = byName(s, fns, 'eraseCalls');
    expect(dynamoActions(erase).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:Query']);
    for (const statement of erase.statements.filter((st) => actionsOf(st).includes('dynamodb:Query'))) {
      for (const resource of resourcesOf(statement)) expect(JSON.stringify(resource)).toMatch(/\/index\/byNumber"/);
    }
  });

  test('any other Lambda touching DynamoDB (the forwarder) only reads the table stream, never the table', () => {
    const known = new Set((['readCalls', 'ingestCalls', 'eraseCalls', 'platformWebhook', 'fallback'] as const).map((n) => byName(s, fns, n).path));
    for (const f of fns.filter((fn) => !known.has(fn.path))) {
      for (const statement of f.statements.filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:')))) {
        for (const action of actionsOf(statement)) expect([f.path, STREAM_READS.includes(action)]).toEqual([f.path, true]);
        for (const resource of resourcesOf(statement)) expect(JSON.stringify(resource)).toContain('StreamArn');
      }
    }
    if ('cekuraAgentId' in context) expect(fns.length).toBeGreaterThan(known.size);
  });

  test('each secret is readable only by the functions whose configuration names it, and no resource policy opens it', () => {
    s.template.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
    for (const f of fns) {
      for (const statement of f.statements.filter((st) => actionsOf(st).some((a) => a.startsWith('secretsmanager:')))) {
        expect(actionsOf(statement)).toEqual(['secretsmanager:GetSecretValue']);
        for (const resource of resourcesOf(statement)) {
          // The secret is referenced by ARN in the function's own environment (a partial ARN may carry a `-??????` suffix).
          const named = JSON.stringify(resource).replace(/-\?{6}"$/, '"');
          expect([f.path, JSON.stringify(f.environment).includes(named.slice(1, -1))]).toEqual([f.path, true]);
        }
      }
    }
    // And the two API key secrets specifically: one reader each.
    const readers = (secretEnv: string) => fns.filter((f) => secretEnv in f.environment).map((f) => f.path);
    expect(readers(ENV.readKeysSecretId)).toEqual([byName(s, fns, 'readCalls').path]);
    // The ingest key also erases (DELETE /calls), so the erase Lambda reads it too.
    expect(readers(ENV.ingestKeysSecretId).sort()).toEqual([byName(s, fns, 'ingestCalls').path, byName(s, fns, 'eraseCalls').path].sort());
  });

  test('HTTPS only: the API is reached through its https endpoint, and any custom domain is TLS 1.2', () => {
    const outputs = s.template.toJSON().Outputs as Record<string, Json>;
    expect(JSON.stringify(outputs.ApiUrl!.Value)).toMatch(/^\{"Fn::Join":\["",\["https:\/\//);
    expect(JSON.stringify(outputs)).not.toMatch(/"http:\/\//);
    for (const domain of Object.values(s.template.findResources('AWS::ApiGatewayV2::DomainName'))) {
      for (const config of domain.Properties.DomainNameConfigurations ?? []) expect(config.SecurityPolicy).toBe('TLS_1_2');
    }
  });

  test('throttled by default, no CORS, bodies limited', () => {
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } });
    for (const api of Object.values(s.template.findResources('AWS::ApiGatewayV2::Api'))) expect(api.Properties.CorsConfiguration).toBeUndefined();
    // API Gateway caps bodies at 10 MB and Lambda at 6 MB; the functions refuse more than MAX_BODY_BYTES (5 MiB by default).
    expect(DEFAULTS.maxBodyBytes).toBeLessThanOrEqual(5 * 1024 * 1024);
    for (const f of fns) {
      const limit = f.environment[ENV.maxBodyBytes];
      if (limit !== undefined) expect(Number(limit)).toBeLessThanOrEqual(DEFAULTS.maxBodyBytes);
    }
  });

  test('no function is configured to log events or to log at debug level', () => {
    for (const f of fns) {
      expect([f.path, f.environment.POWERTOOLS_LOGGER_LOG_EVENT]).toEqual([f.path, undefined]);
      expect([f.path, String(f.environment.POWERTOOLS_LOG_LEVEL ?? 'INFO').toUpperCase()]).not.toEqual([f.path, 'DEBUG']);
    }
  });
});
