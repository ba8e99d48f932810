import type { Comparison, Condition, DataType, Operator } from '../model/schema';
import { lookupPath } from '../templates/templates';
import { coerce, compareDates, type DateValue } from './coerce';
import { patternProblem, regexMatches } from './regex';

/** Which operators each data type takes. */
export const OPERATORS_BY_TYPE: Readonly<Record<DataType, ReadonlySet<Operator>>> = {
  string: new Set([
    'is',
    'is_not',
    'contains',
    'not_contains',
    'starts_with',
    'ends_with',
    'matches',
    'exists',
    'not_exists',
  ]),
  number: new Set(['is', 'is_not', 'gt', 'gte', 'lt', 'lte', 'exists', 'not_exists']),
  boolean: new Set(['is', 'is_not', 'exists', 'not_exists']),
  date: new Set(['is', 'is_not', 'gt', 'gte', 'lt', 'lte', 'exists', 'not_exists']),
};

const UNARY: ReadonlySet<Operator> = new Set(['exists', 'not_exists']);

export function operatorFits(dataType: DataType, operator: Operator): boolean {
  return OPERATORS_BY_TYPE[dataType].has(operator);
}

export function needsValue(operator: Operator): boolean {
  return !UNARY.has(operator);
}

/** Every comparison of a condition tree, in order (for validation). */
export function comparisonsOf(condition: Condition): Comparison[] {
  if ('all' in condition) return condition.all.flatMap(comparisonsOf);
  if ('any' in condition) return condition.any.flatMap(comparisonsOf);
  return [condition];
}

export function conditionDepth(condition: Condition): number {
  if ('all' in condition) return 1 + Math.max(0, ...condition.all.map(conditionDepth));
  if ('any' in condition) return 1 + Math.max(0, ...condition.any.map(conditionDepth));
  return 0;
}

/** Why a static value cannot be compared as the data type, or null when it can. */
export function staticValueProblem(comparison: Comparison): string | null {
  if (!needsValue(comparison.operator) || comparison.dynamicValue) return null;
  const { value, dataType, operator } = comparison;
  if (value === undefined || value === '') return `"${operator}" needs a value`;
  if (operator === 'matches') {
    const problem = patternProblem(String(value));
    return problem && `"${String(value).slice(0, 40)}" is not a usable pattern: ${problem}`;
  }
  return coerce(value, dataType) === undefined
    ? `"${String(value).slice(0, 40)}" is not a ${dataType} value`
    : null;
}

/** `all` of nothing is true and `any` of nothing is false, as in logic; never throws. */
export function evaluateCondition(condition: Condition, variables: Record<string, unknown>): boolean {
  if ('all' in condition) return condition.all.every((c) => evaluateCondition(c, variables));
  if ('any' in condition) return condition.any.some((c) => evaluateCondition(c, variables));
  return evaluateComparison(condition, variables);
}

export function evaluateComparison(comparison: Comparison, variables: Record<string, unknown>): boolean {
  const { dataType, operator } = comparison;
  const raw = lookupPath(variables, comparison.variable);
  if (operator === 'exists') return raw !== undefined && raw !== null;
  if (operator === 'not_exists') return raw === undefined || raw === null;
  if (!operatorFits(dataType, operator)) return false;
  const other = comparison.dynamicValue
    ? lookupPath(variables, String(comparison.value ?? ''))
    : comparison.value;
  if (operator === 'matches') {
    const subject = coerce(raw, 'string');
    const pattern = coerce(other, 'string');
    return subject !== undefined && pattern !== undefined && regexMatches(pattern, subject);
  }
  if (Array.isArray(raw) && (operator === 'contains' || operator === 'not_contains')) {
    const wanted = coerce(other, 'string')?.toLowerCase();
    if (wanted === undefined) return false;
    const found = raw.some((item) => coerce(item, 'string')?.toLowerCase() === wanted);
    return operator === 'contains' ? found : !found;
  }
  const left = coerce(raw, dataType);
  const right = coerce(other, dataType);
  if (left === undefined || right === undefined) return false;
  return compare(dataType, operator, left, right);
}

function compare(dataType: DataType, operator: Operator, left: unknown, right: unknown): boolean {
  if (dataType === 'string') {
    // Replies are typed by people: string comparisons ignore case.
    const a = (left as string).toLowerCase();
    const b = (right as string).toLowerCase();
    switch (operator) {
      case 'is':
        return a === b;
      case 'is_not':
        return a !== b;
      case 'contains':
        return a.includes(b);
      case 'not_contains':
        return !a.includes(b);
      case 'starts_with':
        return a.startsWith(b);
      case 'ends_with':
        return a.endsWith(b);
      default:
        return false;
    }
  }
  const order =
    dataType === 'date'
      ? compareDates(left as DateValue, right as DateValue)
      : dataType === 'number'
        ? Math.sign((left as number) - (right as number))
        : left === right
          ? 0
          : Number.NaN;
  switch (operator) {
    case 'is':
      return order === 0;
    case 'is_not':
      return order !== 0;
    case 'gt':
      return order > 0;
    case 'gte':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'lte':
      return order <= 0;
    default:
      return false;
  }
}
