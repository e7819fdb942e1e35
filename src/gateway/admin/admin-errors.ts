// Errors of the admin API: WardenError codes from src/errors.ts in the `{error: {…}}` shape. Schema
// validation failures and unparseable bodies are ADMIN_INVALID; anything unexpected is internal_error
// (details go to the server log, never to the client).
import type { FastifyError, FastifyInstance } from 'fastify';
import { WardenError } from '../../errors.js';

export function toAdminError(error: FastifyError | Error): WardenError {
  if (error instanceof WardenError) {
    if (error.code === 'request_too_large')
      return new WardenError('ADMIN_TOO_LARGE', { detail: error.message });
    if (error.code === 'invalid_json' || error.code === 'invalid_request') {
      return new WardenError('ADMIN_INVALID', { detail: error.message });
    }
    return error;
  }
  if ((error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new WardenError('ADMIN_TOO_LARGE', { detail: 'The request body exceeds the configured limit.' });
  }
  if (error instanceof SyntaxError)
    return new WardenError('ADMIN_INVALID', { detail: `the body is not valid JSON: ${error.message}` });
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const context = fastifyError.validationContext ?? 'request';
    const first = fastifyError.validation[0];
    const where = `${context}${first?.instancePath ?? ''}`;
    return new WardenError('ADMIN_INVALID', { detail: `${where} ${first?.message ?? 'is invalid'}` });
  }
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500)
    return new WardenError('ADMIN_INVALID', { detail: error.message });
  return new WardenError('internal_error', { detail: 'see the server log' });
}

export function installAdminErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const adminError = toAdminError(error);
    if (adminError.code === 'internal_error')
      process.emitWarning(`warden admin: ${error.stack ?? error.message}`);
    void reply.code(adminError.status).send(adminError.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new WardenError('ADMIN_NOT_FOUND', {
      what: 'route',
      id: `${request.method} ${request.url.split('?')[0]}`,
    });
    void reply.code(404).send(error.toJSON());
  });
}

interface ObjectSchema {
  type?: unknown;
  properties?: Record<string, ObjectSchema>;
  additionalProperties?: boolean;
}

/**
 * The fields of `value` that `schema` does not allow, as paths. Fastify's validator silently drops
 * unknown fields; the admin API refuses them instead, so a misspelt limit is an error, not a no-op.
 */
export function unknownFields(schema: ObjectSchema | undefined, value: unknown, path = ''): string[] {
  if (!schema?.properties || value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const out: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const sub = schema.properties[key];
    if (!sub) {
      if (schema.additionalProperties === false) out.push(`${path}${key}`);
      continue;
    }
    out.push(...unknownFields(sub, child, `${path}${key}.`));
  }
  return out;
}
