import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/** OpenAPI generated from the same zod schemas that validate requests: `/docs` and `/docs/json`. */
export const openApiPlugin = fp(async (app: FastifyInstance) => {
  await app.register(swagger, {
    openapi: {
      info: { title: 'Solo Unicorn control plane', version: '0.1.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    // Routes marked `anonymousRead` also answer without credentials (public projects that allow
    // it): `{}` in their security list says the bearer key is optional there.
    transform: (input) => {
      const out = jsonSchemaTransform(input);
      const anonymous = (input.route?.config as { anonymousRead?: boolean } | undefined)?.anonymousRead === true;
      return anonymous ? { ...out, schema: { ...out.schema, security: [{ bearer: [] }, {}] } } : out;
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
});
