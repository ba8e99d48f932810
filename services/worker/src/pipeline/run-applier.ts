import { randomUUID } from 'node:crypto';
import {
  jobIdOf,
  NavigationJobName,
  type NavigationEventV1,
  QueueName,
  type TriggerEventV1,
} from '@flowbridge/contracts';
import { type Effect, newRunState, type RunEvent, type RunState, step } from '@flowbridge/flow-engine';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type LoadedVersion, RpcClients } from '../clients/rpc.clients';
import { RunEntity, runStateOf } from '../runs/run.entity';
import { WorkerConfig } from '../worker.config';
import { ApiCallJobName, type ApiCallJob, type ContactKey, type InboxEvent } from './jobs';
import type { OutboxJob } from './outbox.service';

/**
 * Applies one inbox event to the contact's run, inside the transaction that holds the contact's lock:
 * steps the flow engine and turns its effects into jobs (navigation, API calls) for the outbox.
 */
@Injectable()
export class RunApplier {
  private readonly logger = new Logger(RunApplier.name);

  constructor(
    private readonly rpc: RpcClients,
    private readonly config: WorkerConfig,
  ) {}

  async apply(tx: EntityManager, contact: ContactKey, event: InboxEvent): Promise<OutboxJob[]> {
    return event.kind === 'trigger' ? this.trigger(tx, contact, event.event) : this.apiResult(tx, event);
  }

  private async trigger(tx: EntityManager, contact: ContactKey, event: TriggerEventV1): Promise<OutboxJob[]> {
    const { flowId, flowVersion, variables } = event.source;
    const version = await this.rpc.flowVersion(contact.workspaceId, flowId, flowVersion);
    if (!version) {
      this.logger.warn(
        { eventId: event.eventId, flowId, flowVersion },
        'trigger for a flow version that does not exist',
      );
      return [];
    }
    // A business system starting a flow replaces whatever the contact was doing.
    await tx.query(
      `UPDATE worker.runs SET status = 'completed', end_reason = 'REPLACED', ended_at = now(), updated_at = now()
        WHERE workspace_id = $1 AND channel_id = $2 AND wa_id = $3 AND status IN ('active', 'waiting_input')`,
      [contact.workspaceId, contact.channelId, contact.waId],
    );
    const runId = randomUUID();
    const run = tx.create(RunEntity, {
      id: runId,
      ...contact,
      flowId,
      flowVersion,
      status: 'active',
      screenId: null,
      endReason: null,
      endedAt: null,
      expiresAt: this.expiry(),
    });
    const system = {
      contact: {
        waId: contact.waId,
        ...(event.contact.name !== undefined ? { name: event.contact.name } : {}),
      },
      run: { id: runId },
      trigger: { type: 'api', eventId: event.eventId },
    };
    return this.step(tx, run, version, newRunState(runId), {
      type: 'start',
      variables: { ...variables, ...system },
    });
  }

  private async apiResult(
    tx: EntityManager,
    event: Extract<InboxEvent, { kind: 'api_result' }>,
  ): Promise<OutboxJob[]> {
    const run = await tx.findOneBy(RunEntity, { id: event.runId });
    if (!run) return [];
    const version = await this.rpc.flowVersion(run.workspaceId, run.flowId, run.flowVersion);
    if (!version) return [];
    return this.step(tx, run, version, runStateOf(run), {
      type: 'api_result',
      key: event.key,
      response: event.response,
      mapped: event.mapped,
    });
  }

  private async step(
    tx: EntityManager,
    run: RunEntity,
    version: LoadedVersion,
    state: RunState,
    event: RunEvent,
  ): Promise<OutboxJob[]> {
    const result = step(version.document, state, event);
    if (result.ignored) {
      this.logger.debug({ runId: run.id, ignored: result.ignored }, 'event did not apply to the run');
      return [];
    }
    const next = result.state;
    Object.assign(run, {
      state: next as unknown as Record<string, unknown>,
      status: next.status,
      screenId: next.screenId,
      endReason: next.endReason,
      updatedAt: new Date(),
      expiresAt: this.expiry(),
      endedAt: next.status === 'active' || next.status === 'waiting_input' ? null : new Date(),
    });
    await tx.save(RunEntity, run);
    return result.effects.flatMap((effect) => this.jobOf(run, effect));
  }

  private jobOf(run: RunEntity, effect: Effect): OutboxJob[] {
    const contact: ContactKey = { workspaceId: run.workspaceId, channelId: run.channelId, waId: run.waId };
    if (effect.type === 'send') {
      const navigation: NavigationEventV1 = {
        version: 1,
        navigationId: `${run.id}:${effect.seq}`,
        workspaceId: run.workspaceId,
        channelId: run.channelId,
        contact: { waId: run.waId },
        runId: run.id,
        flowId: run.flowId,
        flowVersion: run.flowVersion,
        screenId: effect.screenId,
        seq: effect.seq,
        messages: effect.messages,
        emittedAt: new Date().toISOString(),
      };
      return [
        {
          queue: QueueName.FlowNavigation,
          name: NavigationJobName.Navigation,
          jobId: jobIdOf('nav', run.id, effect.seq),
          payload: navigation,
        },
      ];
    }
    if (effect.type === 'call_api') {
      const job: ApiCallJob = {
        version: 1,
        contact,
        runId: run.id,
        apiId: effect.apiId,
        key: effect.key,
        attempt: 1,
        countedAttempts: 0,
        startedAt: Date.now(),
      };
      return [
        {
          queue: QueueName.FlowApiCalls,
          name: ApiCallJobName,
          jobId: jobIdOf('api', effect.key, 1),
          payload: job,
        },
      ];
    }
    return [];
  }

  private expiry(): Date {
    return new Date(Date.now() + this.config.RUN_IDLE_TIMEOUT_MS);
  }
}
