// Durable hand-offs between services. The names are persisted in Redis keys: never rename one in place.
export const QueueName = {
  /** The base of the partitioned trigger queues `flow-triggers.0` … `flow-triggers.<N-1>` (see triggerQueue). */
  FlowTriggers: 'flow-triggers',
  /** The base of the partitioned navigation queues `flow-navigation.0` … (see navigationQueue). */
  FlowNavigation: 'flow-navigation',
  /** The worker's own: one job per API attempt, delayed for retries (they survive restarts). */
  FlowApiCalls: 'flow-api-calls',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/** BullMQ refuses ":" in custom job ids; ids made of parts join them with "-" instead. */
export function jobIdOf(...parts: Array<string | number>): string {
  return parts.map((p) => String(p).replaceAll(':', '-')).join('-');
}

/**
 * Trigger events are split over N partition queues by contact, each consumed one job at a time across all
 * workers (BullMQ global concurrency 1): one contact's events are applied in the order they were queued,
 * different contacts in parallel up to N. Producers and the worker must agree on N (TRIGGER_PARTITIONS).
 */
export function triggerQueue(partition: number): string {
  return `${QueueName.FlowTriggers}.${partition}`;
}

/**
 * Navigation events are split the same way (NAVIGATION_PARTITIONS): the messaging service takes one job at a
 * time per partition, so one contact's messages reach the Cloud API in the order the worker emitted them.
 */
export function navigationQueue(partition: number): string {
  return `${QueueName.FlowNavigation}.${partition}`;
}

/** The partition of a contact: FNV-1a of workspace, channel and WhatsApp id, modulo N. Stable across versions. */
export function contactPartition(
  contact: { workspaceId: string; channelId: string; waId: string },
  partitions: number,
): number {
  let hash = 0x811c9dc5;
  for (const char of `${contact.workspaceId}\n${contact.channelId}\n${contact.waId}`) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}
