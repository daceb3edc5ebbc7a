/**
 * The warnings the viewer gives for one call: the rules of `npm run verify` (lib/verify/checks.ts),
 * applied to that call alone, so the page and the command never disagree about a call.
 */
import { callSchemaProblems, callTimeProblems, toolPairProblems } from '../verify/checks';

export interface Warning {
  /** `fail`: verify fails the endpoint on it (Cekura may not match or read the call); `warn`: it only looks wrong. */
  level: 'fail' | 'warn';
  text: string;
}

/** The path a problem line starts with: `messages[3].end_time` of `messages[3].end_time is 90 s, …`. */
const pathOf = (text: string): string => text.split(/[ :]/, 1)[0] ?? '';

/**
 * Schema problems (a number that is not E.164, a missing field), epoch-looking, out-of-order or
 * late message times, a start in the future by the server's clock, and unpaired tool calls.
 * Paths are relative to the call (`messages[3].end_time`). When the schema and the time rules
 * both name a path, the time rule's wording is kept (it says what the value looks like) at the
 * schema's level, since verify fails the endpoint on it; epoch times, which the time rule names
 * once per call, are not repeated for every message.
 */
export function callWarnings(call: unknown, serverNowMs?: number): Warning[] {
  const times = callTimeProblems(call, '', serverNowMs);
  const schema = callSchemaProblems(call, '');
  const schemaPaths = new Set(schema.map(pathOf));
  const timePaths = new Set([...times.failures, ...times.warnings].map(pathOf));
  const epochNamed = times.failures.some((text) => /looks like epoch/.test(text));
  const schemaOnly = schema.filter((text) => !timePaths.has(pathOf(text)) && !(epochNamed && /looks like epoch/.test(text)));
  return [
    ...schemaOnly.map((text) => ({ level: 'fail' as const, text })),
    ...times.failures.map((text) => ({ level: 'fail' as const, text })),
    ...times.warnings.map((text) => ({ level: schemaPaths.has(pathOf(text)) ? ('fail' as const) : ('warn' as const), text })),
    ...toolPairProblems(call, '').map((text) => ({ level: 'warn' as const, text })),
  ];
}
