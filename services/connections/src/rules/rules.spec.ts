import { AppError } from '@flowbridge/platform';
import { checkApiPath } from './api-path';
import { readHeaders } from './headers';
import { checkResponseMapping } from './response-mapping';
import { checkSuccessWhen } from './success-when';

function refusal(fn: () => unknown): { code: string; field?: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return { code: error.code, field: error.field };
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('API path rules', () => {
  it('keeps relative, templated paths under the base URL', () => {
    expect(checkApiPath('/orders/{{order_id}}')).toBe('/orders/{{order_id}}');
    expect(checkApiPath('orders')).toBe('/orders');
    expect(checkApiPath('')).toBe('');
  });

  it.each([
    ['https://evil.example.com/x', 'PATH_ESCAPES_BASE'],
    ['//evil.example.com/x', 'PATH_ESCAPES_BASE'],
    ['/a/../../admin', 'PATH_ESCAPES_BASE'],
    ['/a/%2e%2e/admin', 'PATH_ESCAPES_BASE'],
    ['/a/.%2E/admin', 'PATH_ESCAPES_BASE'],
    ['/a/%2fadmin', 'PATH_ESCAPES_BASE'],
    ['/a\\b', 'INVALID_PATH'],
    ['/a?b=1', 'INVALID_PATH'],
    ['/a b', 'INVALID_PATH'],
    ['/{{unclosed', 'INVALID_PATH'],
  ])('refuses %s', (path, code) => {
    expect(refusal(() => checkApiPath(path))).toEqual({ code, field: 'path' });
  });
});

describe('header rules', () => {
  it('splits plain from secret headers and lower-cases names', () => {
    const changes = readHeaders(
      { 'X-Trace': 'a', Authorization: 'Bearer t', 'X-Custom': { secret: 's' } },
      'headers',
      false,
    );
    expect(changes.plain).toEqual({ 'x-trace': 'a' });
    expect(changes.secret).toEqual({ authorization: 'Bearer t', 'x-custom': 's' });
  });

  it('takes null as removal only when patching', () => {
    expect(readHeaders({ 'x-old': null }, 'headers', true).removed).toEqual(['x-old']);
    expect(refusal(() => readHeaders({ 'x-old': null }, 'headers', false))).toEqual({
      code: 'INVALID_HEADER',
      field: 'headers.x-old',
    });
  });

  it('[B11] refuses CR/LF, bad names and headers the client owns', () => {
    expect(refusal(() => readHeaders({ 'x-a': 'v\r\nHost: evil' }, 'headers', false))).toEqual({
      code: 'INVALID_HEADER',
      field: 'headers.x-a',
    });
    expect(refusal(() => readHeaders({ 'bad name': 'v' }, 'headers', false))).toEqual({
      code: 'INVALID_HEADER',
      field: 'headers.bad name',
    });
    expect(refusal(() => readHeaders({ Host: 'evil' }, 'headers', false))).toEqual({
      code: 'FORBIDDEN_HEADER',
      field: 'headers.Host',
    });
  });
});

describe('successWhen rules', () => {
  it('accepts codes, classes, ranges and a body condition', () => {
    expect(
      checkSuccessWhen({
        status: [200, '2xx', '300-304'],
        body: { path: 'ok', operator: 'is', value: 'true' },
      }),
    ).toEqual({
      status: [200, '2xx', '300-304'],
      body: { path: 'ok', operator: 'is', value: 'true' },
    });
  });

  it('names the offending entry', () => {
    expect(refusal(() => checkSuccessWhen({ status: ['2xx', 700] }))).toEqual({
      code: 'INVALID_SUCCESS_WHEN',
      field: 'successWhen.status.1',
    });
    expect(refusal(() => checkSuccessWhen({ status: [] }))).toEqual({
      code: 'INVALID_SUCCESS_WHEN',
      field: 'successWhen.status',
    });
    expect(
      refusal(() => checkSuccessWhen({ status: ['2xx'], body: { path: 'a', operator: 'regex' } })),
    ).toEqual({
      code: 'INVALID_SUCCESS_WHEN',
      field: 'successWhen.body.operator',
    });
    expect(refusal(() => checkSuccessWhen({ status: ['2xx'], extra: 1 }))).toEqual({
      code: 'UNKNOWN_FIELD',
      field: 'successWhen.extra',
    });
  });
});

describe('responseMapping rules', () => {
  it('accepts dotted paths into api_response', () => {
    expect(checkResponseMapping({ first_item: 'data.items.0.name' })).toEqual({
      first_item: 'data.items.0.name',
    });
  });

  it('refuses bad variable names, empty segments and prototype access', () => {
    expect(refusal(() => checkResponseMapping({ '1abc': 'data' }))).toEqual({
      code: 'INVALID_RESPONSE_MAPPING',
      field: 'responseMapping.1abc',
    });
    expect(refusal(() => checkResponseMapping({ a: 'data..x' }))).toEqual({
      code: 'INVALID_RESPONSE_MAPPING',
      field: 'responseMapping.a',
    });
    expect(refusal(() => checkResponseMapping({ a: 'data.__proto__' }))).toEqual({
      code: 'INVALID_RESPONSE_MAPPING',
      field: 'responseMapping.a',
    });
  });
});
