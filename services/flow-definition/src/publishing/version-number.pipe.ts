import { AppError } from '@flowbridge/platform';
import type { PipeTransform } from '@nestjs/common';
import { FlowErrorCode } from '../errors';

const MAX_VERSION = 999_999_999;

/**
 * A version number in a route: a positive integer, else the same 404 as a version that does not exist.
 * The global pipe has already turned the text into a number (NaN for "x"), so both forms are read.
 */
export class VersionNumberPipe implements PipeTransform<string | number | undefined, number | undefined> {
  /** `optional`: absent is allowed (a query's `?version=`), and passes as undefined. */
  constructor(private readonly options: { optional?: boolean } = {}) {}

  transform(value: string | number): number;
  transform(value: string | number | undefined): number | undefined;
  transform(value: string | number | undefined): number | undefined {
    if (value === undefined && this.options.optional) return undefined;
    if (value === undefined) value = '';
    const n = typeof value === 'number' ? value : /^\d{1,9}$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > MAX_VERSION)
      throw new AppError(
        FlowErrorCode.VersionNotFound,
        `No version "${String(value).slice(0, 20)}"`,
        404,
        'version',
      );
    return n;
  }
}
