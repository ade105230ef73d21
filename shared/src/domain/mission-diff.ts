import { z } from 'zod';

/** One changed file of a mission branch against its target (the daemon's bounded diff summary). */
export const diffFileSchema = z.object({
  path: z.string(),
  oldPath: z.string().optional().describe('a rename: the path it came from'),
  additions: z.number().int().nullable().describe('null for a binary file'),
  deletions: z.number().int().nullable(),
  binary: z.boolean(),
  patch: z.string().optional().describe('unified diff, 3 lines of context; absent for binary files and those omitted'),
  omitted: z.enum(['too_large', 'over_budget']).optional().describe('why a text file has no patch: over 1,500 changed lines, or the 256 KiB of patches were spent'),
});

/** `GET /missions/:id/diff`: what the mission's last pushed attempt changed against the target branch. */
export const missionDiffSchema = z.object({
  attemptId: z.string().nullable(),
  at: z.string().describe('when the daemon worked it out (after the attempt committed)'),
  base: z.string().describe('the merge base with the target branch'),
  head: z.string(),
  targetBranch: z.string(),
  files: z.array(diffFileSchema).describe('at most 300; `truncated` says when more changed'),
  totalFiles: z.number().int(),
  additions: z.number().int(),
  deletions: z.number().int(),
  truncated: z.boolean(),
});
export type MissionDiff = z.infer<typeof missionDiffSchema>;
