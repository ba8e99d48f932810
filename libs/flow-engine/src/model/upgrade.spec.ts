import { FLOW_SCHEMA_VERSION } from './schema';
import { SchemaVersionError, upgradeDocument } from './upgrade';

describe('upgradeDocument', () => {
  it('takes a document without schemaVersion as the current version', () => {
    expect(upgradeDocument({ name: 'x' })).toEqual({ name: 'x', schemaVersion: FLOW_SCHEMA_VERSION });
  });

  it('applies each upgrade in turn, from the declared version to the current one', () => {
    const upgrades = {
      1: (d: Record<string, unknown>) => ({ ...d, screens: d.pages, pages: undefined }),
      2: (d: Record<string, unknown>) => ({ ...d, triggers: d.triggers ?? [] }),
    };
    expect(upgradeDocument({ schemaVersion: 1, pages: ['p'] }, upgrades, 3)).toEqual({
      schemaVersion: 3,
      screens: ['p'],
      pages: undefined,
      triggers: [],
    });
    expect(upgradeDocument({ schemaVersion: 2, screens: [], triggers: ['t'] }, upgrades, 3)).toEqual({
      schemaVersion: 3,
      screens: [],
      triggers: ['t'],
    });
  });

  it.each([99, 0, 1.5, '1'])('refuses schemaVersion %j', (version) => {
    expect(() => upgradeDocument({ schemaVersion: version })).toThrow(SchemaVersionError);
  });

  it('refuses a version with no upgrade path', () => {
    expect(() => upgradeDocument({ schemaVersion: 1 }, {}, 2)).toThrow('no upgrade from schemaVersion 1');
  });
});
