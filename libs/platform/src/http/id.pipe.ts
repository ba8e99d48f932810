import { AppError } from '../errors';
import { type PipeTransform } from '@nestjs/common';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A route id that is not a UUID names nothing: the same 404 as an id that does not exist. */
export class IdPipe implements PipeTransform<string, string> {
  constructor(private readonly code: string) {}

  transform(value: string): string {
    if (!UUID.test(value))
      throw new AppError(this.code, `No resource with id "${value.slice(0, 64)}"`, 404, 'id');
    return value.toLowerCase();
  }
}
