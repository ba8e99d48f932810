// Connection-level failures of Postgres or Redis: the request may succeed later, so 503, not 500.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'QUEUE_UNAVAILABLE', // ProducerQueues: Redis not connected
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08006',
  '53300', // too_many_connections
]);

/** Postgres or Redis (or a service the work needs) cannot be reached now: the same work may succeed later. */
export function isUnavailableError(exception: unknown): boolean {
  for (let e = exception, depth = 0; e && typeof e === 'object' && depth < 4; depth += 1) {
    const { code, driverError, cause, message } = e as {
      code?: unknown;
      driverError?: unknown;
      cause?: unknown;
      message?: unknown;
    };
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if (
      typeof message === 'string' &&
      /Connection terminated|timeout exceeded when trying to connect|Stream isn't writeable|Connection is closed/i.test(
        message,
      )
    ) {
      return true;
    }
    e = driverError ?? cause;
  }
  return false;
}
