import { mapResponse, meetsSuccessWhen, parseBody, responseOf, statusMatches } from './response';

const raw = (body: string, headers: Record<string, string> = {}, statusCode = 200) => ({
  statusCode,
  headers,
  body: Buffer.from(body),
  size: body.length,
  truncated: false,
  redirects: [],
});

describe('api_response', () => {
  it('parses JSON by content type or by shape, else keeps text; empty is null', () => {
    expect(parseBody(raw('{"a":1}', { 'content-type': 'application/json; charset=utf-8' })).data).toEqual({
      a: 1,
    });
    expect(parseBody(raw('[1,2]', { 'content-type': 'text/plain' })).data).toEqual([1, 2]);
    expect(parseBody(raw('{"a":1}', { 'content-type': 'application/problem+json' })).data).toEqual({ a: 1 });
    expect(parseBody(raw('42', { 'content-type': 'text/plain' })).data).toBe('42');
    expect(parseBody(raw('', { 'content-type': 'application/json' }))).toEqual({
      data: null,
      invalidJson: false,
    });
    expect(parseBody(raw('{nope', { 'content-type': 'text/plain' }))).toEqual({
      data: '{nope',
      invalidJson: false,
    });
    expect(parseBody(raw('{nope', { 'content-type': 'application/json' }))).toEqual({
      data: '{nope',
      invalidJson: true,
    });
  });

  it('matches status codes, classes and ranges', () => {
    expect(statusMatches(['2xx'], 204)).toBe(true);
    expect(statusMatches(['2xx'], 304)).toBe(false);
    expect(statusMatches([200, '300-304'], 304)).toBe(true);
    expect(statusMatches([200, '300-303'], 304)).toBe(false);
  });

  it('applies the body condition of successWhen', () => {
    const rule = (operator: 'is' | 'is_not' | 'exists' | 'not_exists', value?: string) => ({
      status: ['2xx'],
      body: { path: 'result.ok', operator, value },
    });
    const data = { result: { ok: true } };
    expect(meetsSuccessWhen(rule('is', 'true'), 200, data)).toBe(true);
    expect(meetsSuccessWhen(rule('is', 'false'), 200, data)).toBe(false);
    expect(meetsSuccessWhen(rule('is_not', 'false'), 200, data)).toBe(true);
    expect(meetsSuccessWhen(rule('exists'), 200, data)).toBe(true);
    expect(meetsSuccessWhen(rule('not_exists'), 200, { result: {} })).toBe(true);
    expect(meetsSuccessWhen(rule('exists'), 200, 'text body')).toBe(false);
    expect(meetsSuccessWhen(rule('exists'), 500, data)).toBe(false);
  });

  it('keeps only selected headers, never cookies', () => {
    const response = responseOf(
      raw('{}', {
        'content-type': 'application/json',
        'set-cookie': 's=1',
        'x-request-id': 'r',
        server: 'x',
        'x-ratelimit-remaining': '9',
      }),
      { status: ['2xx'] },
      { attempts: 1, durationMs: 5 },
    );
    expect(response.headers).toEqual({
      'content-type': 'application/json',
      'x-request-id': 'r',
      'x-ratelimit-remaining': '9',
    });
  });

  it('maps paths into named variables; missing and forbidden paths give null', () => {
    const response = responseOf(
      raw('{"items":[{"name":"Tea"}]}'),
      { status: ['2xx'] },
      { attempts: 1, durationMs: 1 },
    );
    expect(
      mapResponse(
        {
          first: 'data.items.0.name',
          code: 'statusCode',
          none: 'data.items.5.name',
          proto: 'data.constructor',
          s: 'status',
        },
        response,
      ),
    ).toEqual({ first: 'Tea', code: 200, none: null, proto: null, s: 'success' });
  });
});
