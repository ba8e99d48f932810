import { z } from 'zod';

// Meta's webhook for WhatsApp Cloud API: {object, entry[].changes[].value.{metadata, contacts, messages,
// statuses, errors}}. Fields Meta adds later are ignored; a missing required field is a malformed payload.

const digits = z.string().regex(/^\d{1,20}$/, 'must be digits');
const epochSeconds = z.string().regex(/^\d{1,12}$/, 'must be epoch seconds');

export const errorSchema = z.object({
  code: z.number().int(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.object({ details: z.string().optional() }).optional(),
});

const media = z.object({
  id: z.string().min(1),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  voice: z.boolean().optional(),
  animated: z.boolean().optional(),
});

export const messageSchema = z.object({
  from: digits,
  id: z.string().min(1).max(256),
  timestamp: epochSeconds,
  type: z.string().min(1).max(64),
  context: z.object({ id: z.string().optional(), from: z.string().optional() }).optional(),
  text: z.object({ body: z.string() }).optional(),
  interactive: z
    .object({
      type: z.string(),
      button_reply: z.object({ id: z.string(), title: z.string() }).optional(),
      list_reply: z
        .object({ id: z.string(), title: z.string(), description: z.string().optional() })
        .optional(),
      nfm_reply: z
        .object({ response_json: z.string(), body: z.string().optional(), name: z.string().optional() })
        .optional(),
    })
    .optional(),
  button: z.object({ payload: z.string(), text: z.string() }).optional(),
  image: media.optional(),
  audio: media.optional(),
  video: media.optional(),
  document: media.optional(),
  sticker: media.optional(),
  location: z
    .object({
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().optional(),
      address: z.string().optional(),
      url: z.string().optional(),
    })
    .optional(),
  contacts: z
    .array(
      z.object({
        name: z.object({ formatted_name: z.string() }).optional(),
        phones: z
          .array(
            z.object({
              phone: z.string().optional(),
              wa_id: z.string().optional(),
              type: z.string().optional(),
            }),
          )
          .optional(),
        emails: z.array(z.object({ email: z.string().optional() })).optional(),
      }),
    )
    .optional(),
  reaction: z.object({ message_id: z.string(), emoji: z.string().optional() }).optional(),
  order: z
    .object({
      catalog_id: z.string(),
      text: z.string().optional(),
      product_items: z.array(
        z.object({
          product_retailer_id: z.string(),
          quantity: z.union([z.number(), z.string()]),
          item_price: z.union([z.number(), z.string()]),
          currency: z.string(),
        }),
      ),
    })
    .optional(),
  system: z
    .object({
      body: z.string(),
      type: z.string().optional(),
      new_wa_id: z.string().optional(),
      wa_id: z.string().optional(),
    })
    .optional(),
  errors: z.array(errorSchema).optional(),
});

export const statusSchema = z.object({
  id: z.string().min(1).max(256),
  status: z.string(),
  timestamp: epochSeconds,
  recipient_id: z.string(),
  errors: z.array(errorSchema).optional(),
  biz_opaque_callback_data: z.string().max(512).optional(),
});

export const valueSchema = z.object({
  messaging_product: z.literal('whatsapp').optional(),
  metadata: z.object({ display_phone_number: z.string().optional(), phone_number_id: digits }),
  contacts: z
    .array(z.object({ wa_id: z.string(), profile: z.object({ name: z.string() }).optional() }))
    .optional(),
  messages: z.array(messageSchema).optional(),
  statuses: z.array(statusSchema).optional(),
  errors: z.array(errorSchema).optional(),
});

export const envelopeSchema = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z
    .array(
      z.object({
        id: z.string(),
        changes: z.array(z.object({ field: z.string(), value: z.record(z.string(), z.unknown()) })),
      }),
    )
    .min(1),
});
