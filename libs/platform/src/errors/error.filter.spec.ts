import { BadRequestException, NotFoundException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { AppError } from './app-error';
import { toErrorResponse } from './error.filter';

describe('toErrorResponse', () => {
  it('passes an AppError through with its field', () => {
    expect(toErrorResponse(AppError.validation('title', 'title is required'))).toEqual({
      status: 400,
      body: { code: 'VALIDATION_FAILED', message: 'title is required', field: 'title' },
    });
  });

  it('maps body-parser failures to the client errors they are', () => {
    expect(toErrorResponse({ type: 'entity.parse.failed', status: 400 }).body.code).toBe('MALFORMED_JSON');
    expect(toErrorResponse({ type: 'entity.too.large', status: 413 })).toMatchObject({
      status: 413,
      body: { code: 'PAYLOAD_TOO_LARGE' },
    });
    expect(toErrorResponse({ type: 'parameters.too.many', status: 413 }).status).toBe(413);
  });

  it('answers a body the client cut off, or whose length lies, as a 400: never a 500', () => {
    expect(toErrorResponse({ type: 'request.aborted', status: 400 })).toEqual({
      status: 400,
      body: { code: 'REQUEST_ABORTED', message: expect.any(String) },
    });
    expect(toErrorResponse({ type: 'request.size.invalid', status: 400 })).toEqual({
      status: 400,
      body: { code: 'BODY_LENGTH_MISMATCH', message: expect.any(String), field: 'content-length' },
    });
  });

  it('gives Nest exceptions a stable code', () => {
    expect(toErrorResponse(new NotFoundException('Cannot GET /x')).body).toEqual({
      code: 'ROUTE_NOT_FOUND',
      message: 'Cannot GET /x',
    });
    expect(toErrorResponse(new BadRequestException('bad')).status).toBe(400);
  });

  it('answers 503 when Postgres or Redis cannot be reached, so that clients retry', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(toErrorResponse(refused)).toMatchObject({ status: 503, body: { code: 'SERVICE_UNAVAILABLE' } });
    const shutdown = new QueryFailedError(
      'SELECT 1',
      [],
      Object.assign(new Error('terminating connection'), { code: '57P01' }),
    );
    expect(toErrorResponse(shutdown).status).toBe(503);
    // A wrapper (the request engine's SharedStateError) around a closed ioredis connection.
    const wrapped = new Error('Redis cannot be reached', { cause: new Error('Connection is closed.') });
    expect(toErrorResponse(wrapped).status).toBe(503);
  });

  it('hides anything else behind a 500 without details', () => {
    const result = toErrorResponse(new Error('secret internal detail at /app/x.js:10'));
    expect(result).toEqual({ status: 500, body: { code: 'INTERNAL_ERROR', message: expect.any(String) } });
    expect(result.body.message).not.toContain('secret internal detail');
  });
});
