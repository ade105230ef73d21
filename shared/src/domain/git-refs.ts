import { z } from 'zod';

/**
 * Whether git accepts `name` as a branch (the rules of `git check-ref-format --branch`), so the
 * API refuses what a daemon's `git checkout` would later fail on: no control characters, space,
 * `~ ^ : ? * [ \`, no `..`, `@{` or `//`, no component starting with `.` or ending with `.lock`,
 * no leading `-` or `/`, no trailing `/` or `.`, and not `@` alone.
 */
export function isValidBranchName(name: string): boolean {
  if (name.length === 0 || name === '@') return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return false;
  if (name.includes('..') || name.includes('@{') || name.includes('//')) return false;
  if (name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  return name.split('/').every((part) => !part.startsWith('.') && !part.endsWith('.lock'));
}

export const branchNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine(isValidBranchName, 'must be a branch name git accepts (see git check-ref-format)');
