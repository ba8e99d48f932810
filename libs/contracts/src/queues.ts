// Durable hand-offs between services. The names are persisted in Redis keys: never rename one in place.
//
// One step, and what guarantees it (the one place this is written down):
//
// 1. Webhook (whatsapp-messaging). Recorded durably first: the inbound message rows (their wa_message_id dedupes
//    Meta's redeliveries), in one statement shared with the webhooks that arrived meanwhile (group commit); then
//    the trigger jobs are added (a redelivery adds its job again, under the same id); the 200 goes only once
//    both are done. A Redis that lost a job gets it again from the message rows (InboundReplay: every row since
//    the last Redis run seen).
// 2. Trigger job (worker). ORDER: one contact maps to one `flow-triggers.<k>` partition, taken one job at a
//    time across all workers; the worker applies an event holding the contact's advisory lock, and an event
//    whose application failed waits as pending in the contact's inbox and is applied before any later one.
//    DEDUPE: the inbox row's event id. DURABLE: the inbox row, the run and the jobs it decides (outbox rows),
//    in one transaction shared by the workspace's events of the moment; the outbox is sent after COMMIT, in
//    row order per contact (a contact whose older rows are still unsent, as the batch's read under its lock
//    shows, has them sent first, by the flush that locks them), and re-sent (same job ids) after a crash or a
//    Redis that lost its last writes.
// 3. API attempt (worker). Its Idempotency-Key is the step's. The first attempt runs in the process that
//    decided it, right after COMMIT; its outbox row is leased meanwhile (renewed while it runs) and deleted with
//    the result. A lease that runs out (the process died) is sent by the outbox sweep as a `flow-api-calls`
//    job. A retry is a new delayed job through the outbox. The final result enters the contact's inbox like an
//    event (its id is per step: applied once). A step that can get no answer (its job failed for good, or its
//    processes died twice during it) enters STEP_ABANDONED the same way.
// 4. Navigation job (whatsapp-messaging). ORDER: one contact maps to one `flow-navigation.<k>` partition, one
//    job at a time across replicas, which queues the navigation's parts as rows and ends; a contact's rows are
//    then sent oldest first, outside the partition, each claimed by the statement that reads the head of its
//    queue. DEDUPE: (navigation id, part) on the message rows; a send in doubt is settled by its status webhook
//    (biz_opaque_callback_data) before it is ever sent again. DURABLE: the rows; what a stopped process left
//    unsent is drained by the overdue sweep of any replica.
// Every job that fails because Postgres, Redis or a service is down is parked, not failed
// (UnavailabilityParking): an outage of any length loses nothing that was accepted.
// Every payload is checked on receipt, by its job's signature (JobAuth: only the services queue work) and by
// its validator here in contracts (readTriggerEvent, readNavigationEvent, readApiCallJob); each processor is a
// `switch` on the job name that hands the job to one use-case.
export const QueueName = {
  /** The base of the partitioned trigger queues `flow-triggers.0` … `flow-triggers.<N-1>` (see triggerQueue). */
  FlowTriggers: 'flow-triggers',
  /** The base of the partitioned navigation queues `flow-navigation.0` … (see navigationQueue). */
  FlowNavigation: 'flow-navigation',
  /** The worker's own: one job per API attempt, delayed for retries (they survive restarts). */
  FlowApiCalls: 'flow-api-calls',
  /** WhatsApp Flows data-endpoint requests, answered while WhatsApp waits (see form-exchanges.ts). */
  FormExchanges: 'flow-form-exchanges',
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
