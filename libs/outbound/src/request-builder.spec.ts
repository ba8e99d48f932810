import { TemplateError } from '@flowbridge/flow-engine';
import { buildRequest } from './request-builder';

const connection = {
  baseUrl: 'https://api.example.com/v1',
  headers: { 'x-client': 'flowbridge', authorization: 'Bearer conn' },
};
const api = (overrides: Record<string, unknown> = {}) => ({
  method: 'POST' as const,
  path: '/orders/{{order_id}}',
  query: {},
  headers: {},
  body: null,
  ...overrides,
});

describe('buildRequest', () => {
  it('joins the base URL and the rendered path, encoding every inserted value', () => {
    const built = buildRequest(connection, api(), { order_id: 'A/1 ?#x' });
    expect(built.url.href).toBe('https://api.example.com/v1/orders/A%2F1%20%3F%23x');
  });

  it.each(['..', '.'])('refuses a value that would climb out of the base path (%s)', (value) => {
    expect(() => buildRequest(connection, api(), { order_id: value })).toThrow(TemplateError);
  });

  it('inserts an object into a path as its JSON', () => {
    expect(buildRequest(connection, api(), { order_id: { id: 1 } }).url.pathname).toBe(
      '/v1/orders/%7B%22id%22%3A1%7D',
    );
  });

  it('sends an already-encoded dot-dot value as data, not as a traversal', () => {
    expect(buildRequest(connection, api(), { order_id: '%2e%2e' }).url.pathname).toBe(
      '/v1/orders/%252e%252e',
    );
  });

  it('renders query values and lets URLSearchParams encode them', () => {
    const built = buildRequest(connection, api({ path: '', query: { q: '{{term}}', page: '2' } }), {
      term: 'a&b=c',
    });
    expect(built.url.href).toBe('https://api.example.com/v1?q=a%26b%3Dc&page=2');
  });

  it('[B11] merges headers (the API wins), renders them and refuses line breaks from a value', () => {
    const built = buildRequest(
      connection,
      api({ headers: { 'X-Client': 'api', 'x-order': '{{order_id}}' } }),
      { order_id: '7' },
    );
    expect(built.headers).toMatchObject({ 'x-client': 'api', 'x-order': '7', authorization: 'Bearer conn' });
    expect(() =>
      buildRequest(connection, api({ headers: { 'x-order': '{{order_id}}' } }), {
        order_id: '7\r\nHost: evil.example.com',
      }),
    ).toThrow('line break');
  });

  it('puts variables into the body as JSON values: quotes, newlines, braces, unicode and objects stay data', () => {
    const variables = {
      quote: 'he said "hi", then \\ left',
      lines: 'one\ntwo\r\nthree',
      braces: '{{order_id}} and }}{{',
      unicode: 'Ünïcødé 🚀 \u2028',
      customer: { name: 'Ana', tags: ['vip', 1, true, null] },
      order_id: 'A1',
    };
    const body = {
      note: '{{ quote }}',
      lines: '{{lines}}',
      braces: '{{braces}}',
      unicode: '{{unicode}}',
      customer: '{{customer}}',
      sentence: 'Order {{order_id}} for {{customer.name}}',
      missing: '{{nothing.here}}',
      list: ['{{customer.tags.0}}', 42],
    };
    const built = buildRequest(connection, api({ body }), variables);
    const parsed = JSON.parse(built.body!);
    expect(parsed).toEqual({
      note: variables.quote,
      lines: variables.lines,
      braces: variables.braces,
      unicode: variables.unicode,
      customer: variables.customer,
      sentence: 'Order A1 for Ana',
      missing: null,
      list: ['vip', 42],
    });
    expect(built.headers['content-type']).toBe('application/json');
  });

  it('[B10] reads no prototype and runs no code through templates', () => {
    const built = buildRequest(
      connection,
      api({ body: { a: '{{order_id.constructor}}', b: 'x{{ __proto__ }}y', c: '{{constructor}}' } }),
      {
        order_id: 'A1',
      },
    );
    expect(JSON.parse(built.body!)).toEqual({ a: null, b: 'xy', c: null });
    expect(() => buildRequest(connection, api({ body: { a: '{% include "/etc/passwd" %}' } }), {})).toThrow(
      TemplateError,
    );
    expect(() => buildRequest(connection, api({ body: { a: '{{ x | evaluate }}' } }), {})).toThrow(
      TemplateError,
    );
  });
});
