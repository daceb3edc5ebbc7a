/**
 * The conformance corpus: one folder per source (`test/conformance/<source>/`), one case per pair of
 * files:
 *
 *   <case>.input.json | <case>.input.ts   the body as POSTed (a `.ts` input exports it as `default`,
 *                                         typed with the vendor's own types, so `tsc` checks it)
 *   <case>.expected.json                  what ingest makes of it:
 *     { "origin": "<where the input comes from: the vendor's type, doc page, generator, commit>",
 *       "call": <the stored call, as GET serves it>, "untimedMessages"?: n, "dropped"?: { kind: n },
 *       "ignored"?: "<reason>", "issues"?: [{ "path", "message" }],
 *       "detectedAs"?: "<source>" | null,   // when detection rightly picks another source, or none
 *       "options"?: { "webCallNumber"?: "+1...", "recordingBuckets"?: "bucket/prefix,..." } }
 *
 * One runner (conformance.test.ts) checks every case with `?source=<folder>` and again detected.
 * `UPDATE_CONFORMANCE=1 npx jest test/conformance` writes the expected files from what ingest does
 * now, keeping each `origin`: review the diff like code, it is the specification.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type IngestParseResult, parseIngestBody } from '../../lib/ingest';
import { parseRecordingBuckets } from '../../lib/recordings/location';
import { isSourceName, type SourceName } from '../../lib/sources';
import type { DroppedCounts } from '../../lib/sources/source';
import type { FieldIssue } from '../../lib/validation';

export const CORPUS_DIR = __dirname;

export interface Expected {
  origin: string;
  call?: unknown;
  untimedMessages?: number;
  dropped?: DroppedCounts;
  ignored?: string;
  issues?: FieldIssue[];
  detectedAs?: SourceName | null;
  /** Ingest's settings for the case; `recordingBuckets` as RECORDING_BUCKETS gives them. */
  options?: { webCallNumber?: string; recordingBuckets?: string };
}

export interface ConformanceCase {
  source: SourceName;
  name: string;
  inputFile: string;
  expectedFile: string;
}

export function corpusCases(): ConformanceCase[] {
  return fs
    .readdirSync(CORPUS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) => {
      if (!isSourceName(dir.name)) throw new Error(`test/conformance/${dir.name}: not a source name`);
      const source = dir.name;
      const folder = path.join(CORPUS_DIR, dir.name);
      return fs
        .readdirSync(folder)
        .filter((file) => /\.input\.(json|ts)$/.test(file))
        .sort()
        .map((file) => {
          const name = file.replace(/\.input\.(json|ts)$/, '');
          return { source, name, inputFile: path.join(folder, file), expectedFile: path.join(folder, `${name}.expected.json`) };
        });
    });
}

export function loadInput(testCase: ConformanceCase): unknown {
  if (testCase.inputFile.endsWith('.json')) return JSON.parse(fs.readFileSync(testCase.inputFile, 'utf8'));
  // A typed input module: `export default <body> satisfies ...`.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(testCase.inputFile) as { default?: unknown };
  if (loaded.default === undefined) throw new Error(`${testCase.inputFile}: has no default export`);
  // A deep copy: ingest may not mutate a shared module's value between the two runs.
  return structuredClone(loaded.default);
}

export function loadExpected(testCase: ConformanceCase): Expected | undefined {
  if (!fs.existsSync(testCase.expectedFile)) return undefined;
  return JSON.parse(fs.readFileSync(testCase.expectedFile, 'utf8')) as Expected;
}

/** What a parse result says, in the expected file's terms. */
export function outcomeOf(result: IngestParseResult): Omit<Expected, 'origin' | 'detectedAs' | 'options'> {
  if (!result.ok) return { issues: result.issues };
  if (result.calls.length === 0) return { ignored: result.ignored.join('; ') };
  if (result.calls.length !== 1) throw new Error('a conformance input holds one call');
  const sourced = result.calls[0]!;
  return {
    call: sourced.call,
    ...(sourced.untimedMessages ? { untimedMessages: sourced.untimedMessages } : {}),
    ...(sourced.dropped ? { dropped: sourced.dropped } : {}),
  };
}

export function ingestCase(testCase: ConformanceCase, expected: Expected | undefined, source: SourceName | undefined): IngestParseResult {
  return parseIngestBody(loadInput(testCase), {
    source,
    webCallNumber: expected?.options?.webCallNumber,
    recordingBuckets: parseRecordingBuckets(expected?.options?.recordingBuckets),
  });
}

export function writeExpected(testCase: ConformanceCase, expected: Expected): void {
  fs.writeFileSync(testCase.expectedFile, `${JSON.stringify(expected, null, 2)}\n`);
}
