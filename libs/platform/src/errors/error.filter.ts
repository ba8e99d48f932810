import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import { type Observable, throwError } from 'rxjs';
import { AppError, CommonErrorCode, type ErrorBody } from './app-error';
import { isUnavailableError } from './unavailable';

const STATUS_CODES: Record<number, string> = {
  400: CommonErrorCode.ValidationFailed,
  401: CommonErrorCode.Unauthorized,
  403: CommonErrorCode.Forbidden,
  404: CommonErrorCode.RouteNotFound,
  405: CommonErrorCode.MethodNotAllowed,
  409: CommonErrorCode.Conflict,
  413: CommonErrorCode.PayloadTooLarge,
  415: CommonErrorCode.UnsupportedMediaType,
  429: CommonErrorCode.RateLimited,
  503: CommonErrorCode.ServiceUnavailable,
};

/** Errors thrown by body-parser carry a `type`; they are the client's mistakes, not ours. */
interface BodyParserError {
  type?: string;
  status?: number;
}

export function toErrorResponse(exception: unknown): { status: number; body: ErrorBody } {
  if (exception instanceof AppError) return { status: exception.status, body: exception.toBody() };

  const parserError = exception as BodyParserError;
  if (parserError && typeof parserError === 'object' && typeof parserError.type === 'string') {
    switch (parserError.type) {
      case 'entity.parse.failed':
        return {
          status: 400,
          body: { code: CommonErrorCode.MalformedJson, message: 'The body is not valid JSON' },
        };
      case 'entity.too.large':
        return {
          status: 413,
          body: {
            code: CommonErrorCode.PayloadTooLarge,
            message: 'The body is larger than this route accepts',
          },
        };
      case 'parameters.too.many':
        return {
          status: 413,
          body: {
            code: CommonErrorCode.PayloadTooLarge,
            message: 'The body has more parameters than this route accepts',
          },
        };
      // The client went away mid-body: its mistake (or its network's), not ours; nobody reads this answer, but
      // the access line and the status metric see a 400, not a 500 with an error logged.
      case 'request.aborted':
        return {
          status: 400,
          body: {
            code: CommonErrorCode.RequestAborted,
            message: 'The request was closed before its whole body arrived',
          },
        };
      case 'request.size.invalid':
        return {
          status: 400,
          body: {
            code: CommonErrorCode.BodyLengthMismatch,
            message: 'The body is not as long as its Content-Length header says',
            field: 'content-length',
          },
        };
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return {
          status: 415,
          body: {
            code: CommonErrorCode.UnsupportedMediaType,
            message: 'Unsupported body encoding or charset',
          },
        };
    }
  }

  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? String(response.message)
        : exception.message;
    return {
      status,
      body: {
        code: STATUS_CODES[status] ?? (status < 500 ? 'BAD_REQUEST' : CommonErrorCode.Internal),
        message,
      },
    };
  }

  if (isUnavailableError(exception)) {
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      body: {
        code: CommonErrorCode.ServiceUnavailable,
        message: 'A dependency is unavailable; retry shortly',
      },
    };
  }

  return {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    body: { code: CommonErrorCode.Internal, message: 'An unexpected error occurred; it has been logged' },
  };
}

/** The one place where errors become HTTP: `{ code, message, field? }`, never a stack trace. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | undefined {
    const { status, body } = toErrorResponse(exception);
    if (status >= 500) this.logger.error({ err: exception, code: body.code }, 'request failed');
    // RPC callers get the same { code, message }, never the error object itself.
    if (host.getType() !== 'http') return throwError(() => body);
    const response = host.switchToHttp().getResponse<Response>();
    if (!response.headersSent) response.status(status).json(body);
    return undefined;
  }
}
