import { AdminApiError } from '@flowbridge/api-client';

/** An error in words: the API's own message, or why the call got no answer. */
export function messageOf(error: unknown): string {
  if (error instanceof AdminApiError) {
    const body = error.body as { message?: string } | undefined;
    return body?.message ?? error.message;
  }
  return 'The console could not reach the API; try again';
}
