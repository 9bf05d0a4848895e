// One error handler: a bad request names the field (400), body too large is 413, rate limit 429;
// anything unexpected is a 500 without internals.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const first = err.validation[0];
    const path = (first?.instancePath ?? '').split('/').filter(Boolean).join('.');
    const field = [err.validationContext ?? 'body', path].filter(Boolean).join('.');
    return reply.code(400).send({
      statusCode: 400,
      error: 'Bad Request',
      code: 'WW_BAD_REQUEST',
      field,
      message: `${field}: ${first?.message ?? 'invalid'}`,
    });
  }
  const status = err.statusCode ?? 500;
  if (status === 413)
    return reply
      .code(413)
      .send({ statusCode: 413, error: 'Payload Too Large', code: 'WW_TOO_LARGE', message: 'request body too large' });
  if (status === 429)
    return reply
      .code(429)
      .send({ statusCode: 429, error: 'Too Many Requests', code: 'WW_RATE_LIMIT', message: err.message });
  if (status >= 400 && status < 500)
    return reply
      .code(status)
      .send({ statusCode: status, error: 'Bad Request', code: 'WW_BAD_REQUEST', message: err.message });
  req.log.error(err);
  return reply.code(500).send({ statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
}
