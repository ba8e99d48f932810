import { exactReference, lookupPath, RENDER_LIMIT_MS, TemplateError, TemplateRenderer } from './templates';
import { templateReads } from './reads';

describe('TemplateRenderer', () => {
  const renderer = new TemplateRenderer();
  const vars = { api_response: { status: 'success', data: { items: [{ name: 'Tea' }] } }, name: 'Ana' };

  it('reads nested fields and array indexes, with defaults', () => {
    expect(renderer.render('{{api_response.data.items.0.name}} for {{name}}', vars)).toBe('Tea for Ana');
    expect(renderer.render('Hi {{ nobody | default: "there" }}', vars)).toBe('Hi there');
    expect(renderer.render('[{{missing.deep.path}}]', vars)).toBe('[]');
  });

  it('[B10] never reaches prototypes', () => {
    expect(
      renderer.render('{{api_response.constructor}}{{name.__proto__}}{{api_response.hasOwnProperty}}', vars),
    ).toBe('');
  });

  it('[B10] has no tags and only safe filters', () => {
    for (const template of [
      '{% include "x" %}',
      '{% for i in (1..1000000) %}x{% endfor %}',
      '{% assign a = 1 %}',
    ]) {
      expect(() => renderer.render(template, vars)).toThrow(TemplateError);
    }
    expect(() => renderer.render('{{ name | raw }}', vars)).toThrow(TemplateError);
    expect(renderer.render('{{ name | upcase }}', vars)).toBe('ANA');
  });

  it('refuses templates beyond the size bound', () => {
    expect(() => renderer.render(`{{a}}${'x'.repeat(20_000)}`, vars)).toThrow(TemplateError);
  });

  /** Liquid reads the wall clock through `performance.now()`: each read here is `stepMs` later than the last. */
  function withClockJumping<T>(stepMs: number, work: () => T): T {
    const now = jest.spyOn(performance, 'now');
    let clock = 1_000_000;
    now.mockImplementation(() => (clock += stepMs));
    try {
      return work();
    } finally {
      now.mockRestore();
    }
  }

  it('a render paused for a while (GC, a busy machine) still renders; only a runaway one is stopped', () => {
    const template = 'Hi {{ name | default: "there" }}! Send your order number.';
    // 60 ms between Liquid's clock reads: past the old 50 ms limit, far inside RENDER_LIMIT_MS.
    expect(withClockJumping(60, () => new TemplateRenderer().render(template, vars))).toBe(
      'Hi Ana! Send your order number.',
    );
    expect(() =>
      withClockJumping(RENDER_LIMIT_MS + 1, () => new TemplateRenderer().render(template, vars)),
    ).toThrow(/limit exceeded/);
  });
});

describe('plain references (rendered without Liquid)', () => {
  const values: Record<string, unknown> = {
    s: 'x "q" ü',
    n: 1.5,
    zero: -0,
    big: 1e21,
    b: true,
    f: false,
    z: null,
    e: '',
    a: [1, 'b', [2, null, 3]],
    o: { k: 1 },
    nested: { items: [{ name: 'Tea' }] },
  };
  const references = [
    ...Object.keys(values),
    'missing',
    'nested.items.0.name',
    'nested.items.9',
    'o.constructor',
  ];

  // A trailing stray brace sends the same template through Liquid: both must give the same text.
  it.each(references)('{{%s}} renders as Liquid renders it', (reference) => {
    for (const renderer of [
      new TemplateRenderer(),
      new TemplateRenderer((v) => `<${JSON.stringify(v) ?? ''}>`),
    ]) {
      const plain = renderer.render(`a {{ ${reference} }} b`, values);
      const liquid = renderer.render(`a {{ ${reference} }} b{`, values);
      expect(`${plain}{`).toBe(liquid);
    }
  });

  it('leaves filters and Liquid properties to Liquid', () => {
    const renderer = new TemplateRenderer();
    expect(renderer.render('{{ a.size }}|{{ a.first }}|{{ s | upcase }}', { a: [4, 5], s: 'hi' })).toBe(
      '2|4|HI',
    );
  });

  it('bounds the output size', () => {
    expect(() => new TemplateRenderer().render('{{ s }}{{ s }}', { s: 'x'.repeat(600_000) })).toThrow(
      TemplateError,
    );
  });
});

describe('exactReference / lookupPath', () => {
  it('recognises a lone reference only', () => {
    expect(exactReference('{{ customer.tags }}')).toBe('customer.tags');
    expect(exactReference('x {{a}}')).toBeNull();
    expect(exactReference('{{a | default: 1}}')).toBeNull();
  });

  it('reads own properties only', () => {
    expect(lookupPath({ a: [{ b: 1 }] }, 'a.0.b')).toBe(1);
    expect(lookupPath({ a: 'x' }, 'a.constructor')).toBeUndefined();
    expect(lookupPath({}, 'toString')).toBeUndefined();
  });
});

describe('templateReads', () => {
  it('finds the variables a template reads, with defaults and filter arguments', () => {
    expect(
      templateReads(
        'Hi {{ contact.name | default: "there" }}, {{api_response.data.items[0].name}} {{ a | append: b }} {{ "x" }} {{ true }}',
      ),
    ).toEqual([
      { root: 'contact', path: 'contact.name', defaulted: true },
      { root: 'api_response', path: 'api_response.data.items[0].name', defaulted: false },
      { root: 'a', path: 'a', defaulted: false },
      { root: 'b', path: 'b', defaulted: false },
    ]);
    expect(templateReads('no references, {not} {{ 3 | plus: 1 }}')).toEqual([]);
  });

  it('reports a syntax error without rendering', () => {
    const renderer = new TemplateRenderer();
    expect(renderer.check('{{ a | nope }}')).toContain('nope');
    expect(renderer.check('{{ a.b | default: "x" }}')).toBeNull();
  });
});
