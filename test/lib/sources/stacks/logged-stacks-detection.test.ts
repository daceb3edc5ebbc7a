/**
 * Detection of the three app-logged stacks (Twilio ConversationRelay, Deepgram Voice Agent, Amazon
 * Nova Sonic): each takes its own logs, and none takes any other source's corpus input or fixture,
 * nor another of the three's.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SOURCES, type SourceName } from '../../../../lib/sources';
import { deepgramVoiceAgentFormat } from '../../../../lib/sources/stacks/deepgram-voice-agent';
import type { StackFormat } from '../../../../lib/sources/stacks/envelope';
import { novaSonicFormat } from '../../../../lib/sources/stacks/nova-sonic';
import { twilioConversationRelayFormat } from '../../../../lib/sources/stacks/twilio-conversation-relay';
import { corpusCases, loadInput } from '../../../conformance/corpus';

const FORMATS: StackFormat[] = [twilioConversationRelayFormat, deepgramVoiceAgentFormat, novaSonicFormat];
const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'sources');

/** Every value a fixture module or file under test/fixtures/sources holds, with the folder it is in. */
function fixtureValues(dir = FIXTURES): Array<{ name: string; folder: string; value: unknown }> {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return fixtureValues(path);
    const name = relative(FIXTURES, path);
    const folder = relative(FIXTURES, dir).split('/').pop() ?? '';
    if (entry.endsWith('.json')) return [{ name, folder, value: JSON.parse(readFileSync(path, 'utf8')) as unknown }];
    if (!entry.endsWith('.ts')) return [];
    return Object.entries(require(path) as Record<string, unknown>).map(([key, value]) => ({ name: `${name}: ${key}`, folder, value }));
  });
}

/** A payload, and the export inside it when it is an envelope: what a format's `recognises` is given. */
function exportsIn(value: unknown): unknown[] {
  if (typeof value !== 'object' || value === null) return [value];
  const transcript = (value as { transcript?: unknown }).transcript;
  return transcript === undefined ? [value] : [value, transcript];
}

const others = (source: string) => [
  ...corpusCases()
    .filter((testCase) => testCase.source !== source)
    .map((testCase) => ({ name: `corpus ${testCase.source}/${testCase.name}`, value: loadInput(testCase) })),
  ...fixtureValues()
    .filter((fixture) => fixture.folder !== source)
    .map((fixture) => ({ name: `fixture ${fixture.name}`, value: fixture.value })),
];

describe.each(FORMATS.map((format) => [format.name, format] as const))('%s: detection', (name, format) => {
  it("recognises each of its own fixtures' exports", () => {
    const own = fixtureValues().filter((fixture) => fixture.folder === name);
    expect(own.length).toBeGreaterThan(0);
    for (const fixture of own) {
      const transcript = (fixture.value as { transcript: unknown }).transcript;
      expect([fixture.name, format.recognises(transcript), SOURCES[name as SourceName].detect(fixture.value)]).toEqual([fixture.name, true, true]);
    }
  });

  it("takes no other source's corpus input or fixture, envelope or export", () => {
    const candidates = others(name);
    // Every other source's corpus and the fixtures of every platform and stack.
    expect(new Set(candidates.map(({ name: label }) => label.split(/[/ ]/)[1])).size).toBeGreaterThanOrEqual(6);
    const taken = candidates.flatMap(({ name: label, value }) =>
      exportsIn(value)
        .filter((candidate) => format.recognises(candidate) || SOURCES[name as SourceName].detect(candidate))
        .map(() => label),
    );
    expect(taken).toEqual([]);
  });

  it('takes no empty log, junk, or a log of events with no conversation', () => {
    for (const junk of [
      [],
      { events: [] },
      'text',
      42,
      null,
      [{}],
      [{ type: 'setup' }],
      [{ type: 'Welcome', request_id: 'x' }],
      [{ event: { usageEvent: {} } }],
    ]) {
      expect(format.recognises(junk)).toBe(false);
    }
  });
});
