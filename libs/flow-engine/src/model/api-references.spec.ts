import { pageExampleFlow } from '../examples/page-flow';
import { pageExampleForm } from '../examples/page-form';
import { apiReferencesOf, withApiReferences } from './api-references';

describe('API references of a flow document', () => {
  it("finds the screens' and the forms' data_exchange APIs, and points them elsewhere without touching the rest", () => {
    const document = { ...pageExampleFlow('api-1'), forms: [pageExampleForm('api-2')] };
    expect(apiReferencesOf(document)).toEqual(['api-1', 'api-2']);
    const moved = withApiReferences(document, (id) => ({ 'api-1': 'new-1', 'api-2': 'new-2' })[id]);
    expect(apiReferencesOf(moved)).toEqual(['new-1', 'new-2']);
    expect(apiReferencesOf(document)).toEqual(['api-1', 'api-2']); // the original is left as it was
    expect(JSON.stringify(moved).replaceAll('new-', 'api-')).toBe(JSON.stringify(document));
  });

  it('reads a draft that is not valid, and keeps an id it is not told about', () => {
    const draft = {
      screens: [
        { actions: [{ type: 'data_exchange', api: 'a' }, { type: 'data_exchange' }, 'junk'] },
        { actions: 'not a list' },
      ],
      forms: [{ screens: [{ footer: { action: { type: 'navigate', next: 'X' } } }, { footer: null }] }],
    };
    expect(apiReferencesOf(draft)).toEqual(['a']);
    expect(withApiReferences(draft, () => undefined)).toEqual(draft);
    expect(apiReferencesOf(null)).toEqual([]);
  });
});
