import { exactReference, lookupPath, TemplateError, TemplateRenderer } from './templates';

describe('TemplateRenderer', () => {
  const renderer = new TemplateRenderer();
  const vars = { api_response: { status: 'success', data: { items: [{ name: 'Tea' }] } }, name: 'Ana' };

  it('reads nested fields and array indexes, with defaults', () => {
    expect(renderer.render('{{api_response.data.items.0.name}} for {{name}}', vars)).toBe('Tea for Ana');
    expect(renderer.render('Hi {{ nobody | default: "there" }}', vars)).toBe('Hi there');
    expect(renderer.render('[{{missing.deep.path}}]', vars)).toBe('[]');
  });

  it('never reaches prototypes', () => {
    expect(
      renderer.render('{{api_response.constructor}}{{name.__proto__}}{{api_response.hasOwnProperty}}', vars),
    ).toBe('');
  });

  it('has no tags and only safe filters', () => {
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
