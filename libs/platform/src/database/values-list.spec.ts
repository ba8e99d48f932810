import { valuesList } from './values-list';

describe('valuesList', () => {
  it('writes shared values once and numbers each row after them, in order', () => {
    expect(
      valuesList(
        ['run-1', 'start'],
        [
          ['a', null],
          ['b', 'run-1:2'],
        ],
      ),
    ).toEqual({
      sql: '($1, $2, $3, $4), ($1, $2, $5, $6)',
      params: ['run-1', 'start', 'a', null, 'b', 'run-1:2'],
    });
  });
});
