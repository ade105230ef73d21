import type { ErrorCode } from '@solo-unicorn/shared';

/** A domain error with a stable code and the HTTP status it maps to. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string) => new AppError(404, 'SU_ERR_NOT_FOUND', `${what} not found`);
export const forbidden = (message: string) => new AppError(403, 'SU_ERR_FORBIDDEN', message);
export const unauthenticated = (message: string) => new AppError(401, 'SU_ERR_UNAUTHENTICATED', message);
export const conflict = (code: ErrorCode, message: string, details?: unknown) => new AppError(409, code, message, details);
/** Input that parses but is wrong (e.g. an id from another project), reported on its field. */
export const invalidField = (field: string, message: string) =>
  new AppError(400, 'SU_ERR_VALIDATION', `${field}: ${message}`, [{ field, message }]);
