/** Codes every service may answer with. A module adds its own codes beside these. */
export const CommonErrorCode = {
  ValidationFailed: 'VALIDATION_FAILED',
  UnknownField: 'UNKNOWN_FIELD',
  MalformedJson: 'MALFORMED_JSON',
  /** The client closed the request before its whole body arrived (nobody reads the answer). */
  RequestAborted: 'REQUEST_ABORTED',
  /** The body's length is not what its Content-Length header says. */
  BodyLengthMismatch: 'BODY_LENGTH_MISMATCH',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  RouteNotFound: 'ROUTE_NOT_FOUND',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  Conflict: 'CONFLICT',
  RateLimited: 'RATE_LIMITED',
  ServiceUnavailable: 'SERVICE_UNAVAILABLE',
  Internal: 'INTERNAL_ERROR',
} as const;

export interface ErrorBody {
  code: string;
  message: string;
  field?: string;
  /** Structured detail beside the message, e.g. the problem list of a flow that cannot be published. */
  [detail: string]: unknown;
}

/** An error that is a value: a stable code, a message for a human, the HTTP status, the offending field. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly field?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.field !== undefined) body.field = this.field;
    return this.details ? { ...body, ...this.details, code: this.code } : body;
  }

  static validation(
    field: string,
    message: string,
    code: string = CommonErrorCode.ValidationFailed,
  ): AppError {
    return new AppError(code, message, 400, field);
  }

  static notFound(what: string, field?: string): AppError {
    return new AppError(CommonErrorCode.NotFound, `${what} not found`, 404, field);
  }

  static conflict(code: string, message: string, field?: string): AppError {
    return new AppError(code, message, 409, field);
  }
}
