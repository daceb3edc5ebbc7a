/**
 * The push's settings from environment variables: the forwarder Lambda, the local server and the
 * `npm run cekura` commands read the same names, with the same defaults and the same errors.
 */
import type { Channel } from './forward';
import { type ObserveOptions, observeUrl, parseRedactFields } from './observe';
import { CEKURA_WEBHOOK_DEFAULT_URL, type MessageTimeUnit, parseAgentId } from './payload';
import { parseAgentMap } from './routing';
import { parseApiBaseUrl, RUN_LOOKUP_DEFAULTS } from './runs';
import { isAllowedCekuraUrl } from './urls';

export const FORWARD_DEFAULTS = {
  url: CEKURA_WEBHOOK_DEFAULT_URL,
  messageTimes: 'relative-seconds' as MessageTimeUnit,
  /** Cekura asks for 5 minutes after the call ends; 10 leaves room for a retry or a late ingest. */
  pushWindowMinutes: 10,
  timeoutMs: 10_000,
  maxAttempts: 4,
  backoffBaseMs: 500,
  maxBackoffMs: 8_000,
} as const;

/** Environment variables of the forwarder (Lambda), the local server and `npm run cekura`. */
export const CEKURA_ENV = {
  /** The default agent: calls with no agent_id and no number in CEKURA_AGENTS. */
  agentId: 'CEKURA_AGENT_ID',
  /** JSON object: agent number (E.164) → agent id. */
  agents: 'CEKURA_AGENTS',
  /** `on`: push even without CEKURA_AGENT_ID / CEKURA_AGENTS (every call carries its agent_id); `off`: never push. */
  push: 'CEKURA_PUSH',
  /** The key itself: local mode and the CLI. */
  apiKey: 'CEKURA_API_KEY',
  /** Secrets Manager secret holding the key: deployed. */
  apiKeySecretId: 'CEKURA_API_KEY_SECRET_ID',
  webhookUrl: 'CEKURA_WEBHOOK_URL',
  /** Base of Cekura's REST API, for the run lookup. */
  apiBaseUrl: 'CEKURA_API_BASE_URL',
  /** `off` pushes without looking up run ids; on by default. */
  runLookup: 'CEKURA_RUN_LOOKUP',
  messageTimes: 'CEKURA_MESSAGE_TIMES',
  pushWindowMinutes: 'CEKURA_PUSH_WINDOW_MINUTES',
  /** SQS queue URL that refused calls are sent to (deployed). */
  dlqUrl: 'CEKURA_DLQ_URL',
  /** `on`: production calls (no test run) go to Cekura Observe instead of the webhook. Off by default. */
  observe: 'CEKURA_OBSERVE',
  /** Cekura's PII redaction for calls sent to Observe: comma-separated field names. */
  redactFields: 'CEKURA_REDACT_FIELDS',
  /** `webhook` or `observe`: the one way a deployed forwarder sends (each has its own Lambda); unset: both. */
  channel: 'CEKURA_CHANNEL',
} as const;

/** The value the deployed key secret is created with, until the user pastes Cekura's key in. */
export const CEKURA_KEY_PLACEHOLDER = 'paste-the-cekura-api-key-here';

export interface CekuraEnvConfig {
  /** The default agent, or undefined. */
  agentId: number | undefined;
  /** Agent number → agent id (empty when CEKURA_AGENTS is unset). */
  agents: Readonly<Record<string, number>>;
  url: string;
  messageTimes: MessageTimeUnit;
  pushWindowMinutes: number;
  /** Where to look run ids up; undefined when CEKURA_RUN_LOOKUP=off. */
  runLookup: { apiBaseUrl: string } | undefined;
  /** Cekura Observe for production calls; undefined when CEKURA_OBSERVE is not on. */
  observe: ObserveOptions | undefined;
  /** The ways this process sends; undefined: both. */
  channels: Channel[] | undefined;
}

/**
 * The push settings, or undefined when pushing is off: it is on when CEKURA_AGENT_ID or
 * CEKURA_AGENTS is set, or CEKURA_PUSH=on; CEKURA_PUSH=off turns it off whatever else is set.
 * Throws on any malformed value, naming the variable.
 */
export function cekuraConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CekuraEnvConfig | undefined {
  const value = (name: string) => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };
  const named = <T>(name: string, parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      const message = (error as Error).message;
      throw new Error(message.startsWith(name) ? message : `${name}: ${message}`);
    }
  };
  const push = named(CEKURA_ENV.push, () => parseOnOff(value(CEKURA_ENV.push)));
  const rawAgent = value(CEKURA_ENV.agentId);
  const rawAgents = value(CEKURA_ENV.agents);
  if (push === 'off' || (push === undefined && rawAgent === undefined && rawAgents === undefined)) return undefined;

  const url = value(CEKURA_ENV.webhookUrl) ?? FORWARD_DEFAULTS.url;
  if (!isAllowedCekuraUrl(url)) throw new Error(`${CEKURA_ENV.webhookUrl} must be an https URL, got ${JSON.stringify(url)}`);
  const lookup = named(CEKURA_ENV.runLookup, () => parseOnOff(value(CEKURA_ENV.runLookup))) ?? 'on';
  const apiBaseUrl = named(CEKURA_ENV.apiBaseUrl, () => parseApiBaseUrl(value(CEKURA_ENV.apiBaseUrl) ?? RUN_LOOKUP_DEFAULTS.apiBaseUrl));
  const observeOn = named(CEKURA_ENV.observe, () => parseOnOff(value(CEKURA_ENV.observe))) === 'on';
  const redactFields = value(CEKURA_ENV.redactFields);
  const channel = value(CEKURA_ENV.channel);
  if (channel !== undefined && channel !== 'webhook' && channel !== 'observe')
    throw new Error(`${CEKURA_ENV.channel} must be "webhook" or "observe", got ${JSON.stringify(channel)}`);
  if (channel === 'observe' && !observeOn) throw new Error(`${CEKURA_ENV.channel}=observe needs ${CEKURA_ENV.observe}=on`);
  return {
    agentId: rawAgent === undefined ? undefined : named(CEKURA_ENV.agentId, () => parseAgentId(rawAgent)),
    agents: rawAgents === undefined ? {} : parseAgentMap(rawAgents, CEKURA_ENV.agents),
    url,
    messageTimes: named(CEKURA_ENV.messageTimes, () => parseMessageTimes(value(CEKURA_ENV.messageTimes) ?? FORWARD_DEFAULTS.messageTimes)),
    pushWindowMinutes: named(CEKURA_ENV.pushWindowMinutes, () => parsePushWindow(value(CEKURA_ENV.pushWindowMinutes) ?? FORWARD_DEFAULTS.pushWindowMinutes)),
    runLookup: lookup === 'off' ? undefined : { apiBaseUrl },
    observe: observeOn
      ? { url: observeUrl(apiBaseUrl), redactFields: redactFields === undefined ? undefined : parseRedactFields(redactFields, CEKURA_ENV.redactFields) }
      : undefined,
    channels: channel === undefined ? undefined : [channel],
  };
}

/** One line for a startup notice: which agents, whether run ids are looked up. No key. */
export function describeCekuraConfig(config: CekuraEnvConfig): string {
  const numbers = Object.keys(config.agents).length;
  const agents = [
    ...(config.agentId !== undefined ? [`default agent ${config.agentId}`] : []),
    ...(numbers > 0 ? [`${numbers} agent number${numbers === 1 ? '' : 's'} mapped`] : []),
  ];
  const observe = config.observe ? '; production calls (no test run) to Observe' : '';
  return `${agents.length > 0 ? agents.join(', ') : "each call's own agent_id"}; run lookup ${config.runLookup ? 'on' : 'off'}${observe}`;
}

export function parseOnOff(value: string | undefined): 'on' | 'off' | undefined {
  if (value === undefined) return undefined;
  const lower = value.trim().toLowerCase();
  if (lower === 'on' || lower === 'off') return lower;
  throw new Error(`must be "on" or "off", got ${JSON.stringify(value)}`);
}

export function parseMessageTimes(value: unknown): MessageTimeUnit {
  if (value === 'relative-seconds' || value === 'epoch-ms') return value;
  throw new Error(`Cekura message times must be "relative-seconds" or "epoch-ms", got ${JSON.stringify(value)}`);
}

export function parsePushWindow(value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0)
    throw new Error(`The Cekura push window must be a positive number of minutes, got ${JSON.stringify(value)}`);
  return n;
}
