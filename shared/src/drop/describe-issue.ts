import type { z } from 'zod';

/** Formats a zod path the way a person reads JSON: `[3].riders`, `values[12]`, `plc.serial`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

const ARTICLE_TYPES: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a text string',
  boolean: 'true or false',
  array: 'a list ([...])',
  object: 'an object ({...})',
  null: 'null',
};

function describeIssueBody(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      // A required field left out reads better as such than as a type mismatch.
      if (issue.message.endsWith('received undefined')) {
        return 'is missing (the field is required)';
      }
      // Schemas that set their own message (e.g. "must be a number or null") win.
      if (issue.message.startsWith('must ')) return issue.message;
      return `must be ${ARTICLE_TYPES[issue.expected] ?? issue.expected}`;
    }
    case 'invalid_format':
      if (issue.format === 'datetime') return 'must be a UTC time such as 2026-03-29T10:00:00Z';
      return issue.message.startsWith('Invalid') ? 'has an invalid format' : issue.message;
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'unrecognized_keys':
      return `has unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}${issue.origin === 'array' ? ' items' : issue.origin === 'string' ? ' characters' : ''}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}${issue.origin === 'array' ? ' items' : issue.origin === 'string' ? ' characters' : ''}`;
    default:
      return issue.message;
  }
}

/**
 * Turns the first zod issue into a sentence naming where it is, e.g.
 * `telemetry/brake.pressure.json: values[12] must be a number or null`.
 */
export function describeIssues(where: string, issues: readonly z.core.$ZodIssue[]): string {
  const first = issues[0];
  if (!first) return `${where} is invalid`;
  const path = formatIssuePath(first.path);
  const subject = path === '' ? '' : `${path} `;
  const more =
    issues.length > 1
      ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})`
      : '';
  return `${where}: ${subject}${describeIssueBody(first)}${more}`;
}
