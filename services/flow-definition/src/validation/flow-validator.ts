import {
  type ApiCheck,
  type FlowDocument,
  type Problem,
  ProblemCode,
  referencedApis,
  validateFlow,
} from '@flowbridge/flow-engine';
import { AppError } from '@flowbridge/platform';
import { Injectable, Logger } from '@nestjs/common';
import { FlowErrorCode } from '../errors';
import { ConnectionsClient, ConnectionsUnavailableError } from './connections.client';

export interface Validated {
  flow: FlowDocument | null;
  problems: Problem[];
}

/** The flow engine's validation, with the referenced APIs checked by the connections service. */
@Injectable()
export class FlowValidator {
  private readonly logger = new Logger(FlowValidator.name);

  constructor(private readonly connections: ConnectionsClient) {}

  /**
   * `draft`: when the connections service cannot answer, the draft is still saved, with a warning.
   * `publish`: nothing is published without the check, so that is a 503.
   */
  async validate(workspaceId: string, document: unknown, mode: 'draft' | 'publish'): Promise<Validated> {
    const first = validateFlow(document);
    const apiIds = first.flow ? referencedApis(first.flow) : [];
    if (apiIds.length === 0) return first;
    let checks: Record<string, ApiCheck>;
    try {
      checks = await this.connections.checkApis(workspaceId, apiIds);
    } catch (error) {
      if (!(error instanceof ConnectionsUnavailableError)) throw error;
      this.logger.warn({ err: error, workspaceId }, 'APIs of a flow could not be checked');
      if (mode === 'publish')
        throw new AppError(
          FlowErrorCode.ConnectionsUnavailable,
          'The APIs this flow calls cannot be checked right now; try again shortly',
          503,
        );
      const warning: Problem = {
        severity: 'warning',
        screenId: null,
        path: 'screens',
        code: ProblemCode.ApiUnavailable,
        message: 'The APIs this flow calls could not be checked (connections service unavailable)',
      };
      return { ...first, problems: [...first.problems, warning] };
    }
    return validateFlow(document, { apis: (id) => checks[id] });
  }
}
