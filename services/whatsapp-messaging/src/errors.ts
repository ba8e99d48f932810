/** Codes of the messaging service, beside the platform's common ones. */
export const MessagingErrorCode = {
  ChannelNotFound: 'CHANNEL_NOT_FOUND',
  PhoneNumberTaken: 'CHANNEL_NUMBER_TAKEN',
  SignatureMissing: 'SIGNATURE_MISSING',
  SignatureMalformed: 'SIGNATURE_MALFORMED',
  SignatureInvalid: 'SIGNATURE_INVALID',
  MalformedWebhook: 'MALFORMED_WEBHOOK',
  Unavailable: 'UNAVAILABLE',
  PhoneNumberNotVerified: 'PHONE_NUMBER_NOT_VERIFIED',
  CloudApiUnavailable: 'CLOUD_API_UNAVAILABLE',
  FlowKeyRefused: 'FLOW_KEY_REFUSED',
} as const;
