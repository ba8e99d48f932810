import { DATA_TYPES, OPERATORS, type Comparison, type DataType, type Operator } from '../model/schema';
import { coerce } from './coerce';
import { evaluateCondition, OPERATORS_BY_TYPE, operatorFits, staticValueProblem } from './conditions';
import { MAX_SUBJECT_LENGTH, regexMatches } from './regex';

const vars = {
  api_response: {
    status: 'success',
    statusCode: 200,
    data: { total: '12', paid: 'yes', tags: ['VIP', 'new'] },
  },
  name: 'Ana Lima',
  count: 3,
  when: '2026-11-24T10:30:00Z',
  day: '2026-11-24',
  limit: 10,
  empty: '',
  nothing: null,
};

function check(
  variable: string,
  dataType: DataType,
  operator: Operator,
  value?: string | number | boolean,
  dynamicValue = false,
) {
  return evaluateCondition({ variable, dataType, operator, value, dynamicValue }, vars);
}

// [type, operator, variable, value, expected true case, value for the false case]
const table: Array<[DataType, Operator, string, string | number, string | number]> = [
  ['string', 'is', 'api_response.status', 'SUCCESS', 'failure'],
  ['string', 'is_not', 'api_response.status', 'failure', 'success'],
  ['string', 'contains', 'name', 'lim', 'xyz'],
  ['string', 'not_contains', 'name', 'xyz', 'ana'],
  ['string', 'starts_with', 'name', 'ana', 'lima'],
  ['string', 'ends_with', 'name', 'LIMA', 'ana'],
  ['string', 'matches', 'name', '^ana\\s+l', '^lima'],
  ['number', 'is', 'api_response.data.total', 12, 13],
  ['number', 'is_not', 'count', 4, 3],
  ['number', 'gt', 'api_response.data.total', 9, 12],
  ['number', 'gte', 'api_response.data.total', '12', 13],
  ['number', 'lt', 'count', 3.5, 3],
  ['number', 'lte', 'count', 3, 2.9],
  ['boolean', 'is', 'api_response.data.paid', 'true', 'false'],
  ['boolean', 'is_not', 'api_response.data.paid', 'no', 'yes'],
  ['date', 'is', 'day', '2026-11-24T23:59:00Z', '2026-11-25'],
  ['date', 'is_not', 'when', '2026-11-24T10:31:00Z', '2026-11-24T10:30:00.000Z'],
  ['date', 'gt', 'when', '2026-11-24T10:00:00Z', '2026-11-24T11:00:00Z'],
  ['date', 'gte', 'when', '2026-11-24', '2026-11-25'],
  ['date', 'lt', 'when', '2026-11-24T12:30:00+01:00', '2026-11-24T11:30:00+01:00'],
  ['date', 'lte', 'day', '2026-11-24', '2026-11-23'],
];

describe('conditions: every operator of every type', () => {
  it.each(table)('%s %s: true and false', (type, operator, variable, yes, no) => {
    expect(check(variable, type, operator, yes)).toBe(true);
    expect(check(variable, type, operator, no)).toBe(false);
  });

  it('covers every fitting operator × type pair in the table above', () => {
    const covered = new Set(table.map(([t, o]) => `${t}:${o}`));
    for (const type of DATA_TYPES)
      for (const operator of OPERATORS_BY_TYPE[type])
        if (operator !== 'exists' && operator !== 'not_exists')
          expect(covered).toContain(`${type}:${operator}`);
  });

  it.each(DATA_TYPES)('%s: exists and not_exists ask whether a value is there (null is not)', (type) => {
    expect(check('name', type, 'exists')).toBe(true);
    expect(check('empty', type, 'exists')).toBe(true);
    expect(check('nothing', type, 'exists')).toBe(false);
    expect(check('missing.deep', type, 'exists')).toBe(false);
    expect(check('missing', type, 'not_exists')).toBe(true);
    expect(check('name', type, 'not_exists')).toBe(false);
  });

  it('an operator that does not fit the type is refused by validation and false at run time', () => {
    for (const type of DATA_TYPES)
      for (const operator of OPERATORS) {
        if (operatorFits(type, operator)) continue;
        expect(check('count', type, operator, 1)).toBe(false);
        expect(check('name', type, operator, 'Ana')).toBe(false);
      }
    expect(operatorFits('boolean', 'gt')).toBe(false);
    expect(operatorFits('number', 'contains')).toBe(false);
    expect(operatorFits('string', 'gt')).toBe(false);
  });

  it('dynamic values read another variable', () => {
    expect(check('count', 'number', 'lt', 'limit', true)).toBe(true);
    expect(check('count', 'number', 'gt', 'limit', true)).toBe(false);
    expect(check('count', 'number', 'gt', 'no_such_variable', true)).toBe(false);
  });

  it('all / any groups, nested', () => {
    const success: Comparison = {
      variable: 'api_response.status',
      dataType: 'string',
      operator: 'is',
      value: 'success',
    };
    const big: Comparison = { variable: 'count', dataType: 'number', operator: 'gt', value: 100 };
    expect(evaluateCondition({ all: [success, big] }, vars)).toBe(false);
    expect(evaluateCondition({ any: [success, big] }, vars)).toBe(true);
    expect(evaluateCondition({ all: [success, { any: [big, { all: [success] }] }] }, vars)).toBe(true);
  });

  it('contains on an array looks for an element (any case)', () => {
    expect(check('api_response.data.tags', 'string', 'contains', 'vip')).toBe(true);
    expect(check('api_response.data.tags', 'string', 'contains', 'vi')).toBe(false);
    expect(check('api_response.data.tags', 'string', 'not_contains', 'old')).toBe(true);
  });

  it('reads no prototype and evaluates nothing', () => {
    expect(check('api_response.constructor', 'string', 'exists')).toBe(false);
    expect(check('name.__proto__', 'string', 'exists')).toBe(false);
    expect(check('name', 'string', 'is', '{{ name }}')).toBe(false);
    expect(check('name', 'string', 'contains', "'); process.exit(1); ('")).toBe(false);
  });
});

describe('coercion rules', () => {
  it.each([
    ['12', 'number', 12],
    [' -3.5 ', 'number', -3.5],
    ['1e3', 'number', 1000],
    ['0x10', 'number', undefined],
    ['Infinity', 'number', undefined],
    ['', 'number', undefined],
    [true, 'number', undefined],
    ['YES', 'boolean', true],
    ['0', 'boolean', false],
    [1, 'boolean', true],
    ['maybe', 'boolean', undefined],
    [42, 'string', '42'],
    [{ a: 1 }, 'string', '{"a":1}'],
    [null, 'string', undefined],
  ] as const)('%j as %s is %j', (value, type, expected) => {
    expect(coerce(value, type)).toEqual(expected);
  });

  it('"12" gt 9 compares as numbers, not text', () => {
    expect(
      evaluateCondition({ variable: 'v', dataType: 'number', operator: 'gt', value: 9 }, { v: '12' }),
    ).toBe(true);
    expect(
      evaluateCondition({ variable: 'v', dataType: 'string', operator: 'is', value: '12' }, { v: 12 }),
    ).toBe(true);
  });

  it('an unparsable date is false for every operator, never a throw', () => {
    for (const operator of ['is', 'is_not', 'gt', 'gte', 'lt', 'lte'] as const)
      for (const v of [
        'tomorrow',
        '2026-02-30',
        '2026-13-01',
        '24/11/2026',
        '2026-11-24T25:00:00Z',
        { y: 1 },
      ])
        expect(
          evaluateCondition({ variable: 'v', dataType: 'date', operator, value: '2026-11-24' }, { v }),
        ).toBe(false);
    expect(coerce('2026-02-28', 'date')).toEqual({ ms: Date.UTC(2026, 1, 28), dateOnly: true });
    expect(coerce(0, 'date')).toEqual({ ms: 0, dateOnly: false });
  });

  it('static values are checked against the type at validation', () => {
    const base = { variable: 'v', dynamicValue: false } as const;
    expect(staticValueProblem({ ...base, dataType: 'number', operator: 'gt', value: '12' })).toBeNull();
    expect(staticValueProblem({ ...base, dataType: 'number', operator: 'gt', value: 'abc' })).toContain(
      'not a number',
    );
    expect(staticValueProblem({ ...base, dataType: 'date', operator: 'lt', value: 'soon' })).toContain(
      'not a date',
    );
    expect(staticValueProblem({ ...base, dataType: 'string', operator: 'is' })).toContain('needs a value');
    expect(staticValueProblem({ ...base, dataType: 'string', operator: 'exists' })).toBeNull();
    expect(
      staticValueProblem({ ...base, dataType: 'string', operator: 'matches', value: '(?=x)' }),
    ).toContain('not a usable pattern');
  });
});

describe('matches is bounded against ReDoS', () => {
  it('[B12] a catastrophic-backtracking pattern runs in linear time (RE2) and gives the right answer', () => {
    const subject = `${'a'.repeat(MAX_SUBJECT_LENGTH - 1)}!`;
    expect(regexMatches('^(a+)+$', subject)).toBe(false);
    expect(regexMatches('^(a|aa)+$', 'a'.repeat(5000))).toBe(true);
    expect(regexMatches('(x+x+)+y', 'x'.repeat(5000))).toBe(false);
  });

  it('[B12] refuses what RE2 cannot bound and values longer than the limit', () => {
    expect(regexMatches('(a)\\1', 'aa')).toBe(false);
    expect(regexMatches('a', 'a'.repeat(MAX_SUBJECT_LENGTH + 1))).toBe(false);
    expect(regexMatches('x'.repeat(301), 'x'.repeat(301))).toBe(false);
  });
});
