import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ZodType } from 'zod';

/**
 * An action with nothing to say takes no body. `curl -X POST …/accept` sends none, and many clients
 * send `content-type: application/json` with an empty body; both used to be a 400 ("expected object,
 * received null" / "Body cannot be empty"). Here an empty JSON body parses as no body, and no body
 * becomes `{}` for a route whose body schema accepts `{}` — so it means exactly what `{}` means. A
 * route whose body has required fields still answers 400 naming them.
 */
export const emptyBodyPlugin = fp(async (app: FastifyInstance) => {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if ((body as string).trim() === '') return done(null, undefined);
    parseJson(request, body as string, done);
  });

  const acceptsEmpty = new WeakMap<object, boolean>();
  app.addHook('preValidation', async (request) => {
    if (request.body !== undefined && request.body !== null) return;
    const schema = request.routeOptions.schema?.body as ZodType | undefined;
    if (!schema || typeof schema.safeParse !== 'function') return;
    let ok = acceptsEmpty.get(schema);
    if (ok === undefined) acceptsEmpty.set(schema, (ok = schema.safeParse({}).success));
    if (ok) request.body = {};
  });
});
