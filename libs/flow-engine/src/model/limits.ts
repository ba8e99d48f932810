// What the WhatsApp Cloud API accepts (interactive, text and media message objects). A flow whose messages
// break these cannot be sent, so it cannot be published.
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

/** Bounds of the document itself, so one flow cannot exhaust validation or a worker. */
export const FlowLimits = {
  screens: 300,
  messagesPerScreen: 10,
  actionsPerScreen: 30,
  conditionDepth: 5,
  conditionsPerGroup: 20,
  triggers: 20,
  keywordsPerTrigger: 50,
  keywordLength: 100,
  regexLength: 300,
  idLength: 64,
  templateLength: 10_000,
} as const;
