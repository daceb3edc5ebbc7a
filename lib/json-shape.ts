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
