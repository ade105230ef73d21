import { findUnstorableText } from '@solo-unicorn/shared';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { invalidField } from '../errors.ts';

/**
 * PostgreSQL refuses NUL and lone UTF-16 surrogates in text and jsonb; one such code unit in a
 * title, a query or a path segment used to become a 500 (and an error log carrying the user's
 * data). Every request's params, query and JSON body are checked here, before any route's own
 * validation, so no route can forget: the caller gets a 400 naming the field, never the value.
 * Raw bodies (a Buffer, e.g. signed webhooks) are left to their route, which sanitizes them.
 */
export const inputTextPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('preValidation', async (request) => {
    const sources = [['params', request.params], ['query', request.query], ['body', request.body]] as const;
    for (const [where, value] of sources) {
      if (value === undefined || value === null || Buffer.isBuffer(value)) continue;
      const bad = findUnstorableText(value, where);
      if (bad) throw invalidField(bad, 'contains a NUL character or an unpaired UTF-16 surrogate; send valid Unicode text');
    }
  });
});
