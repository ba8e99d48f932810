import { randomUUID } from 'node:crypto';
import { type PublishFormsRequest, type PublishFormsResponse, RpcPattern } from '@flowbridge/contracts';
import { type FlowDocument, type Problem, ProblemCode, toFlowJson } from '@flowbridge/flow-engine';
import { AppError, connectEarly } from '@flowbridge/platform';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import { FlowErrorCode } from '../errors';
import { FlowDefinitionConfig } from '../flow-definition.config';

export const MESSAGING_CLIENT = Symbol('MESSAGING_CLIENT');

/**
 * Asks the messaging service to make a version's forms Flows on the Cloud API (RPC over Redis). What the Cloud
 * API objects to comes back as problems on the forms; no answer is a 503 (nothing was published).
 */
@Injectable()
export class FormsClient implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FormsClient.name);

  constructor(
    @Inject(MESSAGING_CLIENT) private readonly client: ClientProxy,
    private readonly config: FlowDefinitionConfig,
  ) {}

  /** Null when every form is live on every channel; else the problems, each on its form. */
  async publish(
    workspaceId: string,
    flowId: string,
    version: number,
    channelIds: string[],
    flow: FlowDocument,
  ): Promise<Problem[] | null> {
    const forms = flow.forms ?? [];
    if (forms.length === 0) return null;
    const request: PublishFormsRequest = {
      attempt: randomUUID(),
      workspaceId,
      flowId,
      version,
      channelIds,
      forms: forms.map((f) => ({
        id: f.id,
        name: f.name,
        categories: f.categories,
        flowJson: toFlowJson(f),
      })),
    };
    let response: PublishFormsResponse;
    try {
      response = await firstValueFrom(
        this.client
          .send<PublishFormsResponse>(RpcPattern.MessagingPublishForms, request)
          .pipe(timeout(this.config.MESSAGING_RPC_TIMEOUT_MS)),
      );
    } catch {
      throw unavailable('the messaging service did not answer');
    }
    if (response.ok) return null;
    if (response.code === 'CLOUD_API_UNAVAILABLE' || response.code === 'INVALID_REQUEST')
      throw unavailable(response.message);
    if (response.problems.length === 0)
      return [
        {
          severity: 'error',
          screenId: null,
          path: 'forms',
          code: ProblemCode.CloudApiRefused,
          message: response.message,
        },
      ];
    return response.problems.map((p) => {
      const index = forms.findIndex((f) => f.id === p.formId);
      return {
        severity: 'error',
        screenId: null,
        formId: p.formId,
        path: `forms[${index}]`,
        code: ProblemCode.CloudApiRefused,
        message: [
          p.message,
          p.paths?.length ? `in the Flow JSON at ${p.paths.join(', ')}` : '',
          p.channelId ? `(channel ${p.channelId})` : '',
        ]
          .filter(Boolean)
          .join(' '),
      };
    });
  }

  onApplicationBootstrap(): void {
    connectEarly(this.client, this.logger);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

function unavailable(reason: string): AppError {
  return new AppError(
    FlowErrorCode.FormsUnavailable,
    `The flow's forms could not be published (${reason}); nothing was published, try again`,
    503,
  );
}
