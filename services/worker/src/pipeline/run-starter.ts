import { randomUUID } from 'node:crypto';
import type { JsonValue, TriggerEventV1 } from '@flowbridge/contracts';
import { newRunState } from '@flowbridge/flow-engine';
import { Injectable, Logger } from '@nestjs/common';
import type { TriggerMatcher } from '../clients/active-triggers';
import { type LoadedVersion, RpcClients } from '../clients/rpc.clients';
import type { RunEntity } from '../runs/run.entity';
import type { ContactKey } from './jobs';
import type { OutboxJob } from './outbox.repository';
import { type StepContext, RunStepper } from './run-stepper';

type MessageSource = Extract<TriggerEventV1['source'], { type: 'message' }>;

/** Starts a contact's run: the flow a business system names (`POST /flows/:id/runs`), or the one a message picks. */
@Injectable()
export class RunStarter {
  private readonly logger = new Logger(RunStarter.name);

  constructor(
    private readonly rpc: RpcClients,
    private readonly stepper: RunStepper,
  ) {}

  /** A business system starting a flow replaces whatever the contact was doing. */
  async fromApi(context: StepContext, contact: ContactKey, event: TriggerEventV1): Promise<OutboxJob[]> {
    const source = event.source;
    if (source.type !== 'api') return [];
    const version = await this.rpc.flowVersion(contact.workspaceId, source.flowId, source.flowVersion);
    if (!version) {
      this.logger.warn(
        { eventId: event.eventId, flowId: source.flowId },
        'trigger for a flow version that does not exist',
      );
      return [];
    }
    const live = context.runs.liveOf(contact);
    if (live) {
      Object.assign(live, { status: 'completed', endReason: 'REPLACED', endedAt: new Date() });
      context.runs.touch(live);
    }
    return this.start(context, contact, event, version, source.variables, {
      type: 'api',
      eventId: event.eventId,
    });
  }

  /** The flow the channel's active triggers pick for a message, if any. */
  async fromMessage(
    context: StepContext & { triggers: TriggerMatcher },
    contact: ContactKey,
    event: TriggerEventV1,
    source: MessageSource,
  ): Promise<OutboxJob[]> {
    const match = await context.triggers.match(contact.channelId, source.message);
    if (!match) {
      this.logger.debug({ eventId: event.eventId }, 'no active flow answers this message');
      return [];
    }
    const version = await this.rpc.flowVersion(contact.workspaceId, match.flowId, match.version);
    if (!version) return [];
    const text: Record<string, JsonValue> =
      source.message.kind === 'text' ? { text: source.message.text } : {};
    return this.start(
      context,
      contact,
      event,
      version,
      {},
      { type: 'message', eventId: event.eventId, messageId: source.messageId, match: match.trigger, ...text },
    );
  }

  private start(
    context: StepContext,
    contact: ContactKey,
    event: TriggerEventV1,
    version: LoadedVersion,
    variables: Record<string, JsonValue>,
    trigger: Record<string, JsonValue>,
  ): OutboxJob[] {
    const runId = randomUUID();
    const now = new Date();
    const run: RunEntity = {
      id: runId,
      ...contact,
      flowId: version.flowId,
      flowVersion: version.version,
      status: 'active',
      screenId: null,
      state: {},
      endReason: null,
      startedAt: now,
      updatedAt: now,
      endedAt: null,
      expiresAt: this.stepper.expiry(),
    };
    const system: Record<string, JsonValue> = {
      contact: {
        waId: contact.waId,
        ...(event.contact.name !== undefined ? { name: event.contact.name } : {}),
      },
      run: { id: runId },
      trigger,
    };
    return this.stepper.step(
      context,
      run,
      version,
      newRunState(runId),
      { type: 'start', variables: { ...variables, ...system } },
      true,
    );
  }
}
