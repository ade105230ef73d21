import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError } from '../errors.ts';
import { safeError, sqlState } from '../lib/safe-error.ts';

interface FieldProblem {
  field: string;
  message: string;
}

/** Turns zod issues into `body.title: Required`-style problems that name the field. */
function fieldProblems(error: FastifyError): FieldProblem[] {
  const where = error.validationContext ?? 'body';
  return (error.validation ?? []).flatMap((issue) => {
    const base = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const params = issue.params as { keys?: string[] };
    if (issue.keyword === 'unrecognized_keys' && params.keys) {
      return params.keys.map((key) => ({
        field: [where, base, key].filter(Boolean).join('.'),
        message: 'is not a known field',
      }));
    }
    return [{ field: [where, base].filter(Boolean).join('.'), message: issue.message ?? 'is invalid' }];
  });
}

// PostgreSQL error codes we can explain to a caller instead of answering 500.
const pgCodes: Record<string, { status: number; code: AppError['code']; message: string }> = {
  '23505': { status: 409, code: 'SU_ERR_CONFLICT', message: 'a resource with these values already exists' },
  '23503': { status: 409, code: 'SU_ERR_CONFLICT', message: 'a referenced resource does not exist or is still in use' },
  '40001': { status: 409, code: 'SU_ERR_CONFLICT', message: 'a concurrent change won; retry the request' },
  '40P01': { status: 409, code: 'SU_ERR_CONFLICT', message: 'a concurrent change won; retry the request' },
};
// Data exceptions (class 22: out of range, bad text or date) and program limits (class 54) are the
// caller's input that slipped past a schema: a 400, never a 500. Routes bound their input; this is
// the net under them.
const invalidInput = { status: 400, code: 'SU_ERR_VALIDATION' as const, message: 'a value is out of range or not valid for its field' };
const knownPgError = (code: string) => pgCodes[code] ?? (code.startsWith('22') || code.startsWith('54') ? invalidInput : undefined);

export const errorHandlerPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError & { cause?: unknown }, request, reply) => {
    if (error instanceof AppError) {
      return reply.status(error.status).send({ error: { code: error.code, message: error.message, details: error.details } });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const problems = fieldProblems(error);
      const message = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
      return reply.status(400).send({ error: { code: 'SU_ERR_VALIDATION', message, details: problems } });
    }
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.status(400).send({
          error: { code: 'SU_ERR_MALFORMED_JSON', message: `body: ${error.message}; send a valid JSON document` },
        });
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.status(413).send({
          error: { code: 'SU_ERR_PAYLOAD_TOO_LARGE', message: `body: larger than the ${app.initialConfig.bodyLimit} byte limit` },
        });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.status(415).send({
          error: { code: 'SU_ERR_UNSUPPORTED_MEDIA_TYPE', message: 'body: send JSON with Content-Type: application/json' },
        });
    }
    if (error instanceof SyntaxError && error.statusCode === 400) {
      return reply.status(400).send({ error: { code: 'SU_ERR_MALFORMED_JSON', message: `body: ${error.message}` } });
    }
    const pgCode = sqlState(error);
    const known = pgCode ? knownPgError(pgCode) : undefined;
    if (known) {
      request.log.warn({ error: safeError(error) }, 'database error answered as a client error');
      return reply.status(known.status).send({ error: { code: known.code, message: known.message } });
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ error: { code: 'SU_ERR_VALIDATION', message: error.message } });
    }
    request.log.error({ error: safeError(error) }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'SU_ERR_INTERNAL', message: 'internal error; it has been logged' } });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: { code: 'SU_ERR_ROUTE_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` },
    }),
  );
});
