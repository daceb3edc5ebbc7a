/**
 * Which Cekura agent a call is pushed to, when one adapter serves several agents:
 * 1. the call's own `agent_id` (given on ingest);
 * 2. else its agent number (`phoneNumber`, the number dialled) looked up in the number map
 *    (`CEKURA_AGENTS`, `{"+14155550100": 123}`);
 * 3. else the default agent (`CEKURA_AGENT_ID`).
 * A call none of these name is not pushed: sending it to a guessed agent would file it under the
 * wrong agent's tests. Pure.
 */
import type { Call } from '../call';
import { normalisePhoneNumber } from '../call/phone';

export interface AgentRouting {
  /** CEKURA_AGENT_ID. */
  agentId?: number | undefined;
  /** CEKURA_AGENTS: agent number (E.164) → Cekura agent id. */
  agents?: Readonly<Record<string, number>> | undefined;
}

export type AgentSource = 'call' | 'number' | 'default';

export interface AgentGroup<T> {
  agentId: number;
  items: Array<{ item: T; agentFrom: AgentSource }>;
}

export function agentFor(call: Pick<Call, 'agent_id' | 'phoneNumber'>, routing: AgentRouting): { agentId: number; from: AgentSource } | undefined {
  if (call.agent_id !== undefined) return { agentId: call.agent_id, from: 'call' };
  const mapped = call.phoneNumber === undefined ? undefined : routing.agents?.[call.phoneNumber];
  if (mapped !== undefined) return { agentId: mapped, from: 'number' };
  return routing.agentId === undefined ? undefined : { agentId: routing.agentId, from: 'default' };
}

/** Why a call has no agent, in words for a log line or a summary. */
export function whyUnrouted(call: Pick<Call, 'phoneNumber'>): string {
  return call.phoneNumber === undefined
    ? 'no agent_id, no agent number (phoneNumber) and no default agent (CEKURA_AGENT_ID)'
    : `no agent_id, agent number ${call.phoneNumber} not in CEKURA_AGENTS, and no default agent (CEKURA_AGENT_ID)`;
}

/** The calls of each agent, agents in order of first appearance; the calls no agent takes. */
export function groupByAgent<T extends Pick<Call, 'agent_id' | 'phoneNumber'>>(
  calls: readonly T[],
  routing: AgentRouting,
): { groups: AgentGroup<T>[]; unrouted: T[] } {
  const groups = new Map<number, AgentGroup<T>>();
  const unrouted: T[] = [];
  for (const call of calls) {
    const agent = agentFor(call, routing);
    if (!agent) {
      unrouted.push(call);
      continue;
    }
    const group = groups.get(agent.agentId) ?? { agentId: agent.agentId, items: [] };
    group.items.push({ item: call, agentFrom: agent.from });
    groups.set(agent.agentId, group);
  }
  return { groups: [...groups.values()], unrouted };
}

/**
 * CEKURA_AGENTS: a JSON object from agent numbers to Cekura agent ids, e.g.
 * `{"+14155550100": 123, "+14155550101": 124}`. Keys are E.164 (separators allowed and removed);
 * values are JSON integers (Cekura refuses a string id). Every problem names its entry.
 */
export function parseAgentMap(value: unknown, name = 'CEKURA_AGENTS'): Record<string, number> {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new Error(`${name} must be a JSON object like {"+14155550100": 123}: ${(error as Error).message}`);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${name} must be a JSON object like {"+14155550100": 123}, got ${JSON.stringify(parsed)}`);
  }
  const entries = Object.entries(parsed);
  if (entries.length === 0) throw new Error(`${name} is empty: map at least one agent number to a Cekura agent id, or unset it`);
  const map: Record<string, number> = {};
  const givenAs: Record<string, string> = {};
  for (const [key, id] of entries) {
    const number = normalisePhoneNumber(key);
    if (number === undefined) throw new Error(`${name}: "${key}" is not an E.164 phone number (+ then 2-15 digits, e.g. +14155550100)`);
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
      throw new Error(`${name}["${key}"]: the Cekura agent id must be a positive integer (a JSON number, not a string), got ${JSON.stringify(id)}`);
    }
    if (number in map && map[number] !== id)
      throw new Error(`${name}: "${givenAs[number]}" and "${key}" are the same number with different agents (${map[number]}, ${id})`);
    map[number] = id;
    givenAs[number] = key;
  }
  return map;
}
