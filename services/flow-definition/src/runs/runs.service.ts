import { createHash, randomUUID } from 'node:crypto';
import type { JsonValue, TriggerEventV1 } from '@flowbridge/contracts';
import { acceptsApiTrigger } from '@flowbridge/flow-engine';
import { AppError, TriggerProducer } from '@flowbridge/platform';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { FlowErrorCode } from '../errors';
import type { StartRunDto } from '../flows/flow.dto';
import { FlowsService } from '../flows/flows.service';
import { FlowVersionEntity } from '../publishing/flow-version.entity';

const MAX_VARIABLES_BYTES = 64 * 1024;

/** The API trigger: a business system starts the active version of a flow for one contact. */
@Injectable()
export class RunsService {
  constructor(
    private readonly flows: FlowsService,
    @InjectRepository(FlowVersionEntity) private readonly versions: Repository<FlowVersionEntity>,
    private readonly producer: TriggerProducer,
  ) {}

  async start(
    workspaceId: string,
    flowId: string,
    dto: StartRunDto,
    idempotencyKey: string | undefined,
  ): Promise<{ eventId: string; flowId: string; version: number }> {
    const flow = await this.flows.find(workspaceId, flowId);
    if (flow.activeVersion === null)
      throw AppError.conflict(
        FlowErrorCode.FlowNotActive,
        'The flow has no active version: publish it first',
      );
    const version = await this.versions.findOneByOrFail({ flowId, number: flow.activeVersion });
    if (!acceptsApiTrigger(version.triggers))
      throw AppError.conflict(
        FlowErrorCode.ApiTriggerNotEnabled,
        'The active version has no API trigger: add { "type": "api" } to its triggers and publish',
        'triggers',
      );
    const channelId = dto.channelId.toLowerCase();
    if (version.channelIds.length > 0 && !version.channelIds.includes(channelId))
      throw AppError.validation(
        'channelId',
        'The flow does not listen on this channel',
        FlowErrorCode.ChannelNotListened,
      );
    const variables = (dto.variables ?? {}) as Record<string, JsonValue>;
    if (Buffer.byteLength(JSON.stringify(variables)) > MAX_VARIABLES_BYTES)
      throw AppError.validation(
        'variables',
        `variables may hold at most ${MAX_VARIABLES_BYTES / 1024} KB of JSON`,
      );
    const event: TriggerEventV1 = {
      version: 1,
      eventId: idempotencyKey ? eventIdFor(workspaceId, flowId, idempotencyKey) : randomUUID(),
      workspaceId,
      channelId,
      contact: {
        waId: dto.contact.waId,
        ...(dto.contact.name !== undefined ? { name: dto.contact.name } : {}),
      },
      occurredAt: new Date().toISOString(),
      source: { type: 'api', flowId, flowVersion: flow.activeVersion, variables },
    };
    await this.producer.enqueue(event);
    return { eventId: event.eventId, flowId, version: flow.activeVersion };
  }
}

/** The same Idempotency-Key from the same workspace and flow names the same event: a retry is one run. */
function eventIdFor(workspaceId: string, flowId: string, key: string): string {
  const hex = createHash('sha256').update(`${workspaceId}\n${flowId}\n${key}`).digest('hex');
  return `api-${hex.slice(0, 32)}`;
}
