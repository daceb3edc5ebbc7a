/**
 * Detection between the pipecat and gemini-live sources and every other source: each recognises its
 * own exports (corpus inputs and fixtures), none of any other source's, and no other source takes
 * theirs. Runs over whatever the corpus and the fixture folders hold, so sources added later are
 * checked too.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { detectSource, SOURCE_NAMES, SOURCES, type SourceName } from '../../../../lib/sources';
import type { StackFormat } from '../../../../lib/sources/stacks/envelope';
import { geminiLiveFormat } from '../../../../lib/sources/stacks/gemini-live';
import { pipecatFormat } from '../../../../lib/sources/stacks/pipecat';
import { corpusCases, loadExpected, loadInput } from '../../../conformance/corpus';

const FIXTURES = join(__dirname, '../../../fixtures/sources');
const OURS: Array<[SourceName, StackFormat]> = [
  ['pipecat', pipecatFormat],
  ['gemini-live', geminiLiveFormat],
];

interface Sample {
  name: string;
  /** The source the sample is an export of. */
  source: SourceName | undefined;
  value: unknown;
}

/** Every corpus input, owned by the source it is detected as (its folder's, unless the case says otherwise). */
function corpusSamples(): Sample[] {
  return corpusCases().map((testCase) => {
    const detectedAs = loadExpected(testCase)?.detectedAs;
    return {
      name: `corpus ${testCase.source}/${testCase.name}`,
      source: detectedAs === undefined ? testCase.source : (detectedAs ?? undefined),
      value: loadInput(testCase),
    };
  });
}

/** Every export of every fixture module (platforms, cekura, stacks), owned by its folder's source. */
function fixtureSamples(): Sample[] {
  const modules = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? modules(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
    );
  return modules(FIXTURES).flatMap((file) => {
    const relative = file.slice(FIXTURES.length + 1);
    const folder = relative.split('/').at(-2) ?? '';
    const source = (SOURCE_NAMES as readonly string[]).includes(folder) ? (folder as SourceName) : undefined;
    return Object.entries(require(file) as Record<string, unknown>)
      .filter(([, value]) => typeof value === 'object' && value !== null)
      .map(([name, value]) => ({ name: `fixture ${relative}: ${name}`, source, value }));
  });
}

const samples = [...corpusSamples(), ...fixtureSamples()];
/** An envelope's export, and the sample itself (a bare export, a platform payload). */
const candidates = (value: unknown): unknown[] => {
  const transcript = (value as { transcript?: unknown }).transcript;
  return transcript === undefined ? [value] : [value, transcript];
};

const isEnvelope = (value: unknown): value is { transcript: unknown } => typeof value === 'object' && value !== null && 'transcript' in value && 'id' in value;

describe.each(OURS)('%s detection', (source, format) => {
  const own = samples.filter((sample) => sample.source === source);
  const envelopes = own.filter((sample) => isEnvelope(sample.value));
  /** Fixture exports that are a bare export (a log, a message list), not an envelope or a part of one. */
  const bareExports = own.filter((sample) => Array.isArray(sample.value));
  const others = samples.filter((sample) => sample.source !== source);

  it('has samples of its own and of other sources', () => {
    expect(envelopes.length).toBeGreaterThan(3);
    expect(bareExports.length).toBeGreaterThan(0);
    expect(new Set(others.map((sample) => sample.source)).size).toBeGreaterThan(5);
  });

  it('recognises its own exports, and detection picks it for each envelope', () => {
    for (const sample of envelopes) {
      expect([sample.name, format.recognises((sample.value as { transcript: unknown }).transcript)]).toEqual([sample.name, true]);
      expect([sample.name, detectSource(sample.value)?.name]).toEqual([sample.name, source]);
    }
    for (const sample of bareExports) expect([sample.name, format.recognises(sample.value)]).toEqual([sample.name, true]);
  });

  it("recognises no other source's export or payload", () => {
    for (const sample of others) {
      for (const candidate of candidates(sample.value)) expect([sample.name, format.recognises(candidate)]).toEqual([sample.name, false]);
    }
  });

  it("is taken by no other source's detection", () => {
    for (const sample of envelopes) {
      for (const other of SOURCE_NAMES.filter((name) => name !== source)) {
        // A Pipecat context is OpenAI chat by design: openai-chat reads it the same way, and pipecat is tried first.
        if (source === 'pipecat' && other === 'openai-chat') continue;
        expect([sample.name, other, SOURCES[other].detect(sample.value)]).toEqual([sample.name, other, false]);
      }
    }
  });
});

it('tries pipecat before openai-chat', () => {
  expect(SOURCE_NAMES.indexOf('pipecat')).toBeLessThan(SOURCE_NAMES.indexOf('openai-chat'));
});
