import * as v from 'valibot';

export interface FieldIssue {
  /** Where the problem is, e.g. `calls[3].messages[0].start_time`; empty for the whole input. */
  path: string;
  message: string;
}

/** `calls[3].messages[0].start_time` from valibot's path items, under an optional prefix. */
export function issuePath(issue: v.BaseIssue<unknown>, prefix = ''): string {
  let path = prefix;
  for (const item of issue.path ?? []) {
    if (typeof item.key === 'number') path += `[${item.key}]`;
    else path += path === '' ? String(item.key) : `.${String(item.key)}`;
  }
  return path;
}

/** One issue per field: valibot can report a union's alternatives several times over. */
export function toFieldIssues(issues: readonly v.BaseIssue<unknown>[], prefix = ''): FieldIssue[] {
  const seen = new Set<string>();
  const result: FieldIssue[] = [];
  for (const issue of issues) {
    const path = issuePath(issue, prefix);
    const message = describe(issue);
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push({ path, message });
  }
  return result;
}

function describe(issue: v.BaseIssue<unknown>): string {
  // valibot's default text for a missing key reads "Invalid key: Expected "x" but received undefined".
  if (issue.kind === 'schema' && issue.input === undefined && issue.type !== 'variant') return 'is required';
  return issue.message;
}

/**
 * A string schema whose value is `parse`d; `undefined` from the parser becomes one issue with
 * `message` at the field. The domain parsers stay plain functions, usable outside valibot.
 */
export function parsedString<T>(parse: (value: string) => T | undefined, message: string) {
  return v.pipe(
    v.string('must be a string'),
    v.rawTransform<string, T>(({ dataset, addIssue, NEVER }) => {
      const parsed = parse(dataset.value);
      if (parsed === undefined) {
        addIssue({ message });
        return NEVER;
      }
      return parsed;
    }),
  );
}
