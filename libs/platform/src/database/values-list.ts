/**
 * A multi-row `VALUES` list for one INSERT: each row is the shared values (written once, as $1…$k) followed
 * by its own. Rows keep the order given, so serial ids follow it.
 */
export function valuesList(shared: unknown[], rows: unknown[][]): { sql: string; params: unknown[] } {
  const params = [...shared];
  const common = shared.map((_, i) => `$${i + 1}`);
  const tuples = rows.map((row) => {
    const own = row.map((value) => {
      params.push(value);
      return `$${params.length}`;
    });
    return `(${[...common, ...own].join(', ')})`;
  });
  return { sql: tuples.join(', '), params };
}
