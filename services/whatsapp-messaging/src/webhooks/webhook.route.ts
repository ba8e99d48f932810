import type { LeanRoute } from '@flowbridge/platform';
import type { WebhookIngest } from './ingest.service';

/** Where Meta posts its webhooks; the subscription handshake (GET) is `WebhookController`'s. */
export const WEBHOOK_PATH = '/webhooks/whatsapp';

/**
 * Meta's signed event POSTs: one per batch of messages and statuses, so at scale thousands a second. Answered in
 * front of Express and Nest (`LeanRoute`): the signature covers the raw bytes and the handler needs nothing of
 * the framework. An accepted webhook is a debug line in the access log (its messages are in the message log); a
 * refused one stays visible at info, a failure at error.
 */
export function webhookRoute(ingestion: WebhookIngest, limitBytes: number): LeanRoute {
  return {
    method: 'POST',
    path: WEBHOOK_PATH,
    limitBytes,
    handle: (body, req) => {
      const signature = req.headers['x-hub-signature-256'];
      return ingestion.ingest(body, typeof signature === 'string' ? signature : undefined);
    },
    logLevel: (status) => (status >= 500 ? 'error' : status < 300 ? 'debug' : 'info'),
  };
}
