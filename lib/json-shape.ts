/**
 * Limits on the shape of a parsed JSON body, checked before any schema or converter sees it.
 *
 * - Nesting depth. The schemas, the source converters and JSON.stringify all recurse, so a body
 *   nested a few thousand levels deep (a few KB of `{"a":{"a":…`) overflowed the stack: a 500.
 *   The walk below is iterative, so it cannot overflow itself.
 * - Keys JavaScript gives a meaning to (`__proto__`, `constructor`, `prototype`). valibot drops them
 *   from records without a word, so a call was stored silently different from the one sent; and
 *   they are the prototype-pollution vector. They are refused, naming where they are.
 */
import type { FieldIssue } from './validation';

/** Objects and arrays inside one another, the body itself counting as 1. A call needs about 6. */
export const MAX_JSON_DEPTH = 64;
export const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];
/** A body can hold thousands of offending keys: report the first few, that is enough to fix it. */
const MAX_ISSUES = 20;

const RESERVED = new Set(RESERVED_KEYS);

/** Problems with the shape of `root` (a JSON.parse result), each with the path of the field. */
export function jsonShapeIssues(root: unknown, maxDepth = MAX_JSON_DEPTH): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value: root, path: '', depth: 1 }];
  while (pending.length > 0 && issues.length < MAX_ISSUES) {
    const { value, path, depth } = pending.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > maxDepth) {
      issues.push({ path, message: `is nested too deeply: at most ${maxDepth} levels of objects and arrays are accepted` });
      continue;
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push({ value: value[i], path: `${path}[${i}]`, depth: depth + 1 });
      continue;
    }
    const children: typeof pending = [];
    for (const key of Object.keys(value)) {
      const at = path === '' ? key : `${path}.${key}`;
      if (RESERVED.has(key)) issues.push({ path: at, message: `is not an accepted key (${RESERVED_KEYS.join(', ')} are reserved)` });
      else children.push({ value: (value as Record<string, unknown>)[key], path: at, depth: depth + 1 });
    }
    // Reversed onto the stack, so fields are visited (and reported) in document order.
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]!);
  }
  return issues;
}

/**
 * Cheap pre-check on the parsed body: a number the parser changed is now Infinity, an integer
 * beyond 2^53, or 0 (from an underflow, which only an exponent of 3 digits after a digit causes, so
 * the text is asked about that). Only when this says yes is the text tokenised.
 */
export function mayHoldInexactNumbers(root: unknown, text: string): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'number') {
      if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))) return true;
    } else if (typeof value === 'object' && value !== null) {
      for (const child of Array.isArray(value) ? value : Object.values(value)) pending.push(child);
    }
  }
  return /\d[eE]-\d{3}/.test(text);
}

/**
 * Numbers a JSON parser cannot keep as sent: too large (`1e400` becomes Infinity, then `null` when
 * stored), too small (`1e-400` becomes 0), or integers with more digits than a double holds exactly
 * (`12345678901234567890` becomes `12345678901234567000`). Read from the body's text, since the
 * parsed value has already lost them; `text` must be valid JSON (call it once JSON.parse accepted it).
 */
export function inexactNumberIssues(text: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const frames: Array<{ array: boolean; index: number; key: string | undefined }> = [];
  const pathHere = (): string => {
    let path = '';
    for (const frame of frames) {
      if (frame.array) path += `[${frame.index}]`;
      else if (frame.key !== undefined) path += path === '' ? frame.key : `.${frame.key}`;
    }
    return path;
  };
  const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
  for (let i = 0; i < text.length && issues.length < MAX_ISSUES; ) {
    const c = text[i]!;
    if (c === '"') {
      // The closing quote: the next `"` not escaped by an odd run of backslashes (indexOf is native speed).
      let end = text.indexOf('"', i + 1);
      for (;;) {
        let backslashes = 0;
        while (text[end - 1 - backslashes] === '\\') backslashes++;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      const frame = frames[frames.length - 1];
      // A string right after `{` or `,` inside an object is a key.
      if (frame && !frame.array && frame.key === undefined) frame.key = JSON.parse(text.slice(i, end + 1)) as string;
      i = end + 1;
    } else if (c === '{' || c === '[') {
      frames.push({ array: c === '[', index: 0, key: undefined });
      i++;
    } else if (c === '}' || c === ']') {
      frames.pop();
      i++;
    } else if (c === ',') {
      const frame = frames[frames.length - 1];
      if (frame?.array) frame.index++;
      else if (frame) frame.key = undefined;
      i++;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const token = NUMBER.exec(text)?.[0] ?? c;
      const problem = inexactNumber(token);
      if (problem) issues.push({ path: pathHere(), message: problem });
      i += token.length;
    } else i++;
  }
  return issues;
}

function inexactNumber(token: string): string | undefined {
  const value = Number(token);
  if (!Number.isFinite(value)) return `is ${token}, too large for a number: JSON parsers turn it into Infinity (stored as null)`;
  if (value === 0 && /[1-9]/.test(token.split(/[eE]/)[0]!)) return `is ${token}, too small for a number: JSON parsers turn it into 0`;
  // An integer is kept when the text it is stored as (String(value)) is the same number.
  if (/^-?\d+$/.test(token) && !Number.isSafeInteger(value) && BigInt(token) !== integerOf(String(value))) {
    return `is ${token}, an integer with more digits than a JSON number keeps exactly (it would become ${String(value)}): send it as a string`;
  }
  return undefined;
}

/** The integer a number's text denotes: `123`, or exponent forms such as `1.2345e+25`. */
function integerOf(text: string): bigint {
  const [mantissa = '', exponent = '0'] = text.split(/e/i);
  const [whole = '', fraction = ''] = mantissa.split('.');
  return BigInt(whole + fraction) * 10n ** BigInt(Number(exponent) - fraction.length);
}
