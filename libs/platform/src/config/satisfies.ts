import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';

/** Validates with a parse function that throws: its message (never the value) becomes the error. */
export function Satisfies(
  check: (value: unknown, config: object) => void,
  options?: ValidationOptions,
): PropertyDecorator {
  const problem = (value: unknown, config: object): string | null => {
    // Presence and type are other decorators' business.
    if (value === undefined || value === null) return null;
    try {
      check(value, config);
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : 'is invalid';
    }
  };
  return (target, propertyKey) =>
    registerDecorator({
      name: 'satisfies',
      target: target.constructor,
      propertyName: String(propertyKey),
      options,
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => problem(value, args?.object ?? {}) === null,
        defaultMessage: (args: ValidationArguments) => problem(args.value, args.object) ?? 'is invalid',
      },
    });
}
