/**
 * Every case of the conformance corpus (see corpus.ts): what ingest stores from each source's
 * exports, message by message, what it reports as untimed or dropped, and what it refuses, with
 * the source named and detected.
 */
import { corpusCases, type Expected, ingestCase, loadExpected, outcomeOf, writeExpected } from './corpus';

const UPDATE = process.env.UPDATE_CONFORMANCE === '1';
const cases = corpusCases();

describe('conformance corpus', () => {
  it('has cases, each with where its input came from', () => {
    expect(cases.length).toBeGreaterThan(0);
    for (const testCase of cases) {
      const expected = loadExpected(testCase);
      if (UPDATE && expected === undefined) continue;
      expect({ case: `${testCase.source}/${testCase.name}`, origin: typeof expected?.origin === 'string' && expected.origin.length > 10 }).toEqual({
        case: `${testCase.source}/${testCase.name}`,
        origin: true,
      });
    }
  });

  describe.each(cases.map((testCase) => [`${testCase.source}/${testCase.name}`, testCase] as const))('%s', (_label, testCase) => {
    const expected = loadExpected(testCase);

    it('is ingested as expected with ?source= named', () => {
      const outcome = outcomeOf(ingestCase(testCase, expected, testCase.source));
      if (UPDATE) {
        const {
          call: _call,
          untimedMessages: _u,
          dropped: _d,
          ignored: _i,
          issues: _is,
          ...kept
        } = expected ?? ({ origin: 'TODO: say where this input comes from' } as Expected);
        writeExpected(testCase, { ...kept, ...outcome });
        return;
      }
      if (!expected) throw new Error(`${testCase.expectedFile} is missing: run UPDATE_CONFORMANCE=1 npx jest test/conformance and review it`);
      const { origin: _origin, detectedAs: _detectedAs, options: _options, ...want } = expected;
      expect(outcome).toEqual(want);
    });

    it('is detected as its source (or as the case says) without ?source=', () => {
      const detected = ingestCase(testCase, expected, undefined);
      const named = ingestCase(testCase, expected, testCase.source);
      const detectedAs = expected?.detectedAs === undefined ? testCase.source : expected.detectedAs;
      if (detectedAs === testCase.source) {
        expect(detected).toEqual(named);
      } else if (detectedAs === null) {
        expect(detected.ok).toBe(false);
      } else {
        expect(detected.ok && detected.calls.map((call) => call.source)).toEqual([detectedAs]);
      }
    });
  });
});
