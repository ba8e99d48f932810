// Durable hand-offs between services. The names are persisted in Redis keys: never rename one in place.
export const QueueName = {
  FlowTriggers: 'flow-triggers',
  FlowNavigation: 'flow-navigation',
  /** The worker's own: one job per API attempt, delayed for retries (they survive restarts). */
  FlowApiCalls: 'flow-api-calls',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/** BullMQ refuses ":" in custom job ids; ids made of parts join them with "-" instead. */
export function jobIdOf(...parts: Array<string | number>): string {
  return parts.map((p) => String(p).replaceAll(':', '-')).join('-');
}
