import { z } from 'zod';

/** Stable error codes. Clients may switch on them; never rename one. */
export const errorCodes = [
  'SU_ERR_VALIDATION',
  'SU_ERR_MALFORMED_JSON',
  'SU_ERR_PAYLOAD_TOO_LARGE',
  'SU_ERR_UNSUPPORTED_MEDIA_TYPE',
  'SU_ERR_UNAUTHENTICATED',
  'SU_ERR_FORBIDDEN',
  'SU_ERR_NOT_FOUND',
  'SU_ERR_ROUTE_NOT_FOUND',
  'SU_ERR_CONFLICT',
  'SU_ERR_INTERNAL',
  'SU_ERR_USER_EMAIL_TAKEN',
  'SU_ERR_MEMBERSHIP_EXISTS',
  'SU_ERR_LAST_OWNER',
  'SU_ERR_PROJECT_NAME_TAKEN',
  'SU_ERR_REPOSITORY_EXISTS',
  'SU_ERR_FLOW_NAME_TAKEN',
  'SU_ERR_ACTOR_NAME_TAKEN',
  'SU_ERR_MISSION_DEPENDENCY_CYCLE',
  'SU_ERR_MISSION_ILLEGAL_MOVE',
  'SU_ERR_MISSION_NOT_IN_REVIEW',
  'SU_ERR_CURSOR_INVALID',
  'SU_ERR_FALLBACK_WEEKLY_CAP',
  'SU_ERR_FALLBACK_ITEM_CLOSED',
  'SU_ERR_FALLBACK_TEMPLATE_DISABLED',
  'SU_ERR_WORKSTATION_REVOKED',
  'SU_ERR_PROTOCOL_VERSION',
  'SU_ERR_PROTOCOL_FRAME',
  'SU_ERR_GITHUB_NOT_CONFIGURED',
  'SU_ERR_WEBHOOK_SIGNATURE',
  'SU_ERR_GITHUB_UNAVAILABLE',
  'SU_ERR_PULL_REQUEST_MISSING',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
