/** Which Cekura agent a call goes to, and the CEKURA_AGENTS map. */
import { agentFor, groupByAgent, parseAgentMap, whyUnrouted } from '../../../lib/cekura-push/routing';

const AGENTS = { '+14155550100': 6, '+14155550101': 7 };

describe('agentFor', () => {
  it("takes the call's agent_id first, then its agent number in the map, then the default", () => {
    expect(agentFor({ agent_id: 5, phoneNumber: '+14155550100' }, { agentId: 1, agents: AGENTS })).toEqual({ agentId: 5, from: 'call' });
    expect(agentFor({ phoneNumber: '+14155550100' }, { agentId: 1, agents: AGENTS })).toEqual({ agentId: 6, from: 'number' });
    expect(agentFor({ phoneNumber: '+14155550199' }, { agentId: 1, agents: AGENTS })).toEqual({ agentId: 1, from: 'default' });
    expect(agentFor({}, { agentId: 1 })).toEqual({ agentId: 1, from: 'default' });
  });

  it('gives none when nothing names an agent', () => {
    expect(agentFor({ phoneNumber: '+14155550199' }, { agents: AGENTS })).toBeUndefined();
    expect(agentFor({}, {})).toBeUndefined();
    expect(whyUnrouted({ phoneNumber: '+14155550199' })).toContain('+14155550199 not in CEKURA_AGENTS');
    expect(whyUnrouted({})).toContain('no agent number');
  });
});

describe('groupByAgent', () => {
  it('groups calls per agent in order of first appearance, and sets aside those with no agent', () => {
    const calls = [
      { id: 'a', phoneNumber: '+14155550101' },
      { id: 'b', agent_id: 5 },
      { id: 'c', phoneNumber: '+14155550199' },
      { id: 'd', phoneNumber: '+14155550101' },
    ];
    const { groups, unrouted } = groupByAgent(calls, { agents: AGENTS });
    expect(groups.map((g) => [g.agentId, g.items.map((i) => [i.item.id, i.agentFrom])])).toEqual([
      [
        7,
        [
          ['a', 'number'],
          ['d', 'number'],
        ],
      ],
      [5, [['b', 'call']]],
    ]);
    expect(unrouted.map((c) => c.id)).toEqual(['c']);
  });
});

describe('parseAgentMap (CEKURA_AGENTS)', () => {
  it('reads a JSON object of E.164 numbers to integer agent ids, normalising separators', () => {
    expect(parseAgentMap('{"+14155550100": 123, "+1 (415) 555-0101": 124}')).toEqual({ '+14155550100': 123, '+14155550101': 124 });
    expect(parseAgentMap({ '+14155550100': 123 })).toEqual({ '+14155550100': 123 });
    expect(parseAgentMap('{"+14155550100": 1, "+1 415 555 0100": 1}')).toEqual({ '+14155550100': 1 });
  });

  it('refuses with an error naming the bad entry', () => {
    expect(() => parseAgentMap('{"+14155550100": 123,}')).toThrow(/^CEKURA_AGENTS must be a JSON object like \{"\+14155550100": 123\}: /);
    expect(() => parseAgentMap('[1]')).toThrow(/^CEKURA_AGENTS must be a JSON object/);
    expect(() => parseAgentMap('123')).toThrow(/^CEKURA_AGENTS must be a JSON object/);
    expect(() => parseAgentMap('{}')).toThrow(/^CEKURA_AGENTS is empty/);
    expect(() => parseAgentMap('{"4155550100": 123}')).toThrow('CEKURA_AGENTS: "4155550100" is not an E.164 phone number');
    expect(() => parseAgentMap('{"+14155550100": "123"}')).toThrow(
      'CEKURA_AGENTS["+14155550100"]: the Cekura agent id must be a positive integer (a JSON number, not a string), got "123"',
    );
    for (const bad of ['0', '-4', '1.5', 'null', 'true']) {
      expect(() => parseAgentMap(`{"+14155550100": 1, "+14155550101": ${bad}}`)).toThrow(
        `CEKURA_AGENTS["+14155550101"]: the Cekura agent id must be a positive integer`,
      );
    }
    expect(() => parseAgentMap('{"+14155550100": 1, "+1 415 555 0100": 2}')).toThrow(
      'CEKURA_AGENTS: "+14155550100" and "+1 415 555 0100" are the same number with different agents (1, 2)',
    );
  });
});
