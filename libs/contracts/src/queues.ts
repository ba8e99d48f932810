// Durable hand-offs between services. The names are persisted in Redis keys: never rename one in place.
export const QueueName = {
  FlowTriggers: 'flow-triggers',
  FlowNavigation: 'flow-navigation',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];
