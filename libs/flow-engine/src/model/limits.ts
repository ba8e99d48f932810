// WhatsApp's own limits are the contracts' (messaging sends by them too); re-exported for the engine.
export { WhatsAppLimits } from '@flowbridge/contracts';

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
