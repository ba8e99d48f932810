import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { AppError, CommonErrorCode } from './app-error';

/** Walks to the first leaf error so that `field` names the exact property, e.g. `auth.clientSecret`. */
export function firstValidationProblem(errors: ValidationError[], prefix = ''): AppError {
  const error = errors[0];
  if (!error) return AppError.validation(prefix || 'body', 'The request body is invalid');
  const field = prefix ? `${prefix}.${error.property}` : error.property;
  if (!error.constraints && error.children?.length) return firstValidationProblem(error.children, field);
  const constraints = error.constraints ?? {};
  if (constraints.whitelistValidation) {
    return AppError.validation(field, `Unknown property "${field}"`, CommonErrorCode.UnknownField);
  }
  const message = Object.values(constraints)[0] ?? 'is invalid';
  // class-validator says "title must be a string"; make it name the full path.
  const text = message.startsWith(`${error.property} `)
    ? `${field}${message.slice(error.property.length)}`
    : message;
  return AppError.validation(field, text);
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    stopAtFirstError: true,
    exceptionFactory: (errors) => firstValidationProblem(errors),
  });
}
