// The sandbox's webhook builders, for tests that post webhooks themselves.
export * from '../tools/sandbox/src/webhook-bodies';
