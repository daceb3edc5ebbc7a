/**
 * Which Cekura agent and run the forwarder delivers to (issue 10): the context that turns the push
 * on (`cekuraAgentId`, `cekuraAgents`, `cekuraPush`) and the run lookup's settings, as the
 * environment variables the forwarder reads (CEKURA_ENV), and bad values refused at synth.
 */
import type { CfnResource } from 'aws-cdk-lib';
import { CEKURA_CONTEXT_DEFAULTS, MAX_AGENTS_JSON_BYTES } from '../../cdk/settings';
import { CEKURA_ENV, cekuraConfigFromEnv } from '../../lib/cekura-push/forward';
import { type Synthesized, synth } from './synth';

// biome-ignore lint/suspicious/noExplicitAny: a synthesized CloudFormation template is JSON of any shape; each test asserts the parts it reads
type Json = Record<string, any>;

const AGENTS = { '+14155550100': 123, '+442071838750': 456 };

/** The forwarder's environment, or undefined when the stack has no forwarder. */
function forwarderEnv(s: Synthesized): Record<string, unknown> | undefined {
  const fw = s.stack.cekuraForwarder;
  if (!fw) return undefined;
  const id = s.stack.getLogicalId(fw.fn.node.defaultChild as CfnResource);
  return (s.template.toJSON().Resources as Record<string, Json>)[id]!.Properties.Environment.Variables;
}

/** The variables this feature owns; the others are checked in cekura-forwarder.test.ts. */
function routingEnv(s: Synthesized) {
  const env = forwarderEnv(s);
  if (!env) return undefined;
  const keys = [CEKURA_ENV.push, CEKURA_ENV.agentId, CEKURA_ENV.agents, CEKURA_ENV.apiBaseUrl, CEKURA_ENV.runLookup] as const;
  return Object.fromEntries(keys.filter((k) => k in env).map((k) => [k, env[k]]));
}

describe('what turns the push on', () => {
  test('cekuraAgentId alone: CEKURA_PUSH=on, the default agent, the run lookup on against the default API', () => {
    expect(routingEnv(synth({ cekuraAgentId: '123' }))).toEqual({
      [CEKURA_ENV.push]: 'on',
      [CEKURA_ENV.agentId]: '123',
      [CEKURA_ENV.apiBaseUrl]: 'https://api.cekura.ai',
      [CEKURA_ENV.runLookup]: 'on',
    });
    expect(CEKURA_CONTEXT_DEFAULTS).toEqual({ apiBaseUrl: 'https://api.cekura.ai', runLookup: true });
  });

  test('cekuraAgents alone (an object, as in cdk.json): the stream, forwarder and queue exist, CEKURA_AGENTS is the map as JSON, no default agent', () => {
    const s = synth({ cekuraAgents: AGENTS });
    expect(s.stack.cekuraForwarder).toBeDefined();
    s.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    s.template.resourceCountIs('AWS::SQS::Queue', 1);
    s.template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } });
    const env = routingEnv(s)!;
    expect(env).toEqual({
      [CEKURA_ENV.push]: 'on',
      [CEKURA_ENV.agents]: expect.any(String),
      [CEKURA_ENV.apiBaseUrl]: 'https://api.cekura.ai',
      [CEKURA_ENV.runLookup]: 'on',
    });
    expect(JSON.parse(env[CEKURA_ENV.agents] as string)).toEqual(AGENTS);
  });

  test('cekuraAgents as a JSON string (`-c cekuraAgents=...`): parsed, numbers normalised to E.164', () => {
    const env = routingEnv(synth({ cekuraAgents: '{"+1 (415) 555-0100": 123}', cekuraAgentId: 7 }))!;
    expect(JSON.parse(env[CEKURA_ENV.agents] as string)).toEqual({ '+14155550100': 123 });
    expect(env[CEKURA_ENV.agentId]).toBe('7');
  });

  test.each([[true], ['true'], ['on'], ['ON']])('cekuraPush=%j alone: the forwarder exists with no agent variable (calls carry their agent_id)', (value) => {
    const s = synth({ cekuraPush: value });
    expect(s.stack.cekuraForwarder).toBeDefined();
    s.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    expect(routingEnv(s)).toEqual({ [CEKURA_ENV.push]: 'on', [CEKURA_ENV.apiBaseUrl]: 'https://api.cekura.ai', [CEKURA_ENV.runLookup]: 'on' });
  });

  test.each([[false], ['false'], ['off']])('cekuraPush=%j turns the push off even with agents set: no stream, forwarder or queue', (value) => {
    const s = synth({ cekuraPush: value, cekuraAgentId: '123', cekuraAgents: AGENTS });
    expect(s.stack.cekuraForwarder).toBeUndefined();
    s.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    s.template.resourceCountIs('AWS::SQS::Queue', 0);
    const table = Object.values(s.template.findResources('AWS::DynamoDB::Table'))[0]!;
    expect(table.Properties.StreamSpecification).toBeUndefined();
  });

  test('empty values count as unset (`-c cekuraAgents=` leaves the push off)', () => {
    expect(synth({ cekuraAgents: '', cekuraAgentId: '' }).stack.cekuraForwarder).toBeUndefined();
  });
});

describe('the run lookup', () => {
  test.each([
    [false, 'off'],
    ['false', 'off'],
    ['off', 'off'],
    ['OFF', 'off'],
    [true, 'on'],
    ['on', 'on'],
  ])('cekuraRunLookup=%j → CEKURA_RUN_LOOKUP=%s', (value, expected) => {
    expect(routingEnv(synth({ cekuraAgentId: '1', cekuraRunLookup: value }))![CEKURA_ENV.runLookup]).toBe(expected);
  });

  test('cekuraApiBaseUrl → CEKURA_API_BASE_URL, without a trailing slash', () => {
    expect(routingEnv(synth({ cekuraAgentId: '1', cekuraApiBaseUrl: 'https://staging.cekura.example/' }))![CEKURA_ENV.apiBaseUrl]).toBe(
      'https://staging.cekura.example',
    );
  });

  test('the lookup adds no permission: the forwarder role is the same with agents and the lookup on as with the lookup off', () => {
    const statementsOf = (s: Synthesized) => {
      const resources = s.template.toJSON().Resources as Record<string, Json>;
      const roleId = s.stack.getLogicalId(s.stack.cekuraForwarder!.fn.role!.node.defaultChild as CfnResource);
      expect(Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy')).toEqual([]);
      return resources[roleId]!.Properties.Policies;
    };
    const on = statementsOf(synth({ cekuraAgents: AGENTS }));
    const off = statementsOf(synth({ cekuraAgents: AGENTS, cekuraRunLookup: 'off' }));
    expect(on).toEqual(off);
    expect(JSON.stringify(on)).not.toMatch(/cloudwatch:|"\*"/);
  });
});

describe('the contract with the forwarder', () => {
  /** The env as the deployed function sees it: CloudFormation references resolved to some string. */
  const deployedEnv = (s: Synthesized) =>
    Object.fromEntries(Object.entries(forwarderEnv(s)!).map(([k, v]) => [k, typeof v === 'string' ? v : `resolved-${k}`]));

  test('the forwarder reads back exactly what the context says', () => {
    const config = cekuraConfigFromEnv(deployedEnv(synth({ cekuraAgents: AGENTS, cekuraAgentId: '9', cekuraApiBaseUrl: 'https://eu.cekura.example' })));
    expect(config).toMatchObject({ agentId: 9, agents: AGENTS, runLookup: { apiBaseUrl: 'https://eu.cekura.example' } });
    expect(cekuraConfigFromEnv(deployedEnv(synth({ cekuraPush: 'on', cekuraRunLookup: 'off' })))).toMatchObject({
      agentId: undefined,
      agents: {},
      runLookup: undefined,
    });
  });
});

describe('bad context is refused at synth, naming the key', () => {
  test.each([
    [{ cekuraAgents: 'not json' }, /Context "cekuraAgents" must be a JSON object/],
    [{ cekuraAgents: '[123]' }, /Context "cekuraAgents" must be a JSON object/],
    [{ cekuraAgents: {} }, /Context "cekuraAgents" is empty/],
    [{ cekuraAgents: { '4155550100': 123 } }, /Context "cekuraAgents".*"4155550100" is not an E\.164 phone number/],
    [{ cekuraAgents: { '+14155550100': '123' } }, /Context "cekuraAgents"\["\+14155550100"\].*positive integer/],
    [{ cekuraAgents: '{"+14155550100": 0}' }, /Context "cekuraAgents"\["\+14155550100"\].*positive integer/],
    [{ cekuraAgents: { '+14155550100': 1, '+1 415 555 0100': 2 } }, /Context "cekuraAgents".*same number with different agents/],
    [{ cekuraAgentId: '1', cekuraApiBaseUrl: 'http://api.cekura.ai' }, /Context "cekuraApiBaseUrl".*https URL/],
    // The forwarder accepts plain http to localhost for local mode; a deployment never should.
    [{ cekuraAgentId: '1', cekuraApiBaseUrl: 'http://localhost:8080' }, /Context "cekuraApiBaseUrl".*https URL/],
    [{ cekuraAgentId: '1', cekuraApiBaseUrl: 'https://api.cekura.ai/?x=1' }, /Context "cekuraApiBaseUrl".*without query/],
    [{ cekuraAgentId: '1', cekuraRunLookup: 'maybe' }, /Context "cekuraRunLookup" must be true or false \("on" or "off"\), got "maybe"/],
    // Checked even when nothing else is set: it decides whether there is a push at all.
    [{ cekuraPush: 'yes' }, /Context "cekuraPush" must be true or false/],
    [{ cekuraPush: 1 }, /Context "cekuraPush" must be true or false/],
  ])('%j', (context, message) => {
    expect(() => synth(context)).toThrow(message);
  });

  test('a map too large for the Lambda environment (4 KB for all variables) is refused with the way out', () => {
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`+1415555${String(i).padStart(4, '0')}`, 100_000 + i]));
    expect(Buffer.byteLength(JSON.stringify(many))).toBeGreaterThan(MAX_AGENTS_JSON_BYTES);
    expect(() => synth({ cekuraAgents: many })).toThrow(/Context "cekuraAgents" is \d+ bytes.*agent_id.*cekuraAgentId/);
    const few = Object.fromEntries(Object.entries(many).slice(0, 50));
    expect(JSON.parse(routingEnv(synth({ cekuraAgents: few }))![CEKURA_ENV.agents] as string)).toEqual(few);
  });
});
