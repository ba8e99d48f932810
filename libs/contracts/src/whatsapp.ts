// What a contact sent, as the messaging service parsed it from Meta's webhook (Cloud API formats), carried on
// the trigger event beside the channel-neutral TriggerMessage and kept in the message log.
import type { JsonValue } from './connections';

export interface InboundMedia {
  id: string;
  mimeType?: string;
  sha256?: string;
  caption?: string;
  filename?: string;
  /** audio: a voice note; sticker: animated. */
  voice?: boolean;
  animated?: boolean;
}

export interface InboundContactCard {
  name: string;
  phones: Array<{ phone?: string; waId?: string; type?: string }>;
  emails?: string[];
}

export interface InboundOrderItem {
  productRetailerId: string;
  quantity: number;
  itemPrice: number;
  currency: string;
}

/** Every inbound type the Cloud API documents, plus `unknown` for a type it adds later. */
export type InboundMessage =
  | { type: 'text'; body: string }
  | { type: 'button_reply'; id: string; title: string }
  | { type: 'list_reply'; id: string; title: string; description?: string }
  /** A WhatsApp Flow's answer: `response_json` parsed. */
  | { type: 'nfm_reply'; name?: string; body?: string; response: Record<string, JsonValue> }
  /** A template's quick-reply button. */
  | { type: 'button'; payload: string; text: string }
  | ({ type: 'image' | 'audio' | 'video' | 'document' | 'sticker' } & InboundMedia)
  | { type: 'location'; latitude: number; longitude: number; name?: string; address?: string; url?: string }
  | { type: 'contacts'; contacts: InboundContactCard[] }
  /** `emoji` is absent when the contact removed the reaction. */
  | { type: 'reaction'; messageId: string; emoji?: string }
  | { type: 'order'; catalogId: string; text?: string; items: InboundOrderItem[] }
  | { type: 'system'; body: string; systemType?: string; newWaId?: string }
  | { type: 'unsupported'; errors: WhatsappError[] }
  | { type: 'unknown'; originalType: string };

export type InboundType = InboundMessage['type'];

/** Meta's error object (in `errors` arrays of messages, statuses and webhook values, and in Graph API answers). */
export interface WhatsappError {
  code: number;
  title?: string;
  message?: string;
  details?: string;
}

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

/**
 * What the WhatsApp Cloud API accepts (interactive, text and media message objects). A flow whose messages
 * break these cannot be sent, so it cannot be published; the sender cuts to them.
 */
export const WhatsAppLimits = {
  textBody: 4096,
  interactiveBody: 1024,
  listBody: 4096,
  headerText: 60,
  footerText: 60,
  buttons: 3,
  buttonTitle: 20,
  optionId: 256,
  listButton: 20,
  listSections: 10,
  listRows: 10,
  sectionTitle: 24,
  rowTitle: 24,
  rowDescription: 72,
  mediaCaption: 1024,
  flowCta: 20,
} as const;
