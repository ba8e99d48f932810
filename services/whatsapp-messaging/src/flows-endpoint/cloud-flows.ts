import { Injectable } from '@nestjs/common';
import { GraphClient, type GraphObject, type ManagementResult, refusal } from '../sending/graph-client';

/** One of Meta's objections to a Flow JSON (`validation_errors`), as it gives them. */
export interface FlowValidationError {
  error: string;
  errorType: string;
  message: string;
  /** Where in the Flow JSON, when Meta says (`pointers[].path`). */
  paths: string[];
}

/** A Flow as the Cloud API holds it. */
export interface CloudFlow {
  id: string;
  name: string;
  status: string;
  endpointUri: string | null;
  validationErrors: FlowValidationError[];
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function validationErrorsOf(value: unknown): FlowValidationError[] {
  if (!Array.isArray(value)) return [];
  return value.map((raw: Record<string, unknown>) => ({
    error: text(raw?.error),
    errorType: text(raw?.error_type),
    message: text(raw?.message),
    paths: Array.isArray(raw?.pointers)
      ? (raw.pointers as Array<Record<string, unknown>>).map((p) => text(p?.path)).filter(Boolean)
      : [],
  }));
}

/**
 * The Cloud API's Flows calls, with a channel's token: create a Flow in a business account (with the data
 * endpoint's URI), upload its Flow JSON (Meta answers its `validation_errors`), publish it, read it back.
 */
@Injectable()
export class CloudFlows {
  constructor(private readonly graph: GraphClient) {}

  /** `POST /{waba-id}/flows`. */
  async create(
    waba: GraphObject,
    accessToken: string,
    flow: { name: string; categories: string[]; endpointUri?: string },
  ): Promise<ManagementResult<{ flowId: string }>> {
    const res = await this.graph.manage(waba, accessToken, 'post', '/flows', {
      name: flow.name,
      categories: flow.categories,
      ...(flow.endpointUri ? { endpoint_uri: flow.endpointUri } : {}),
    });
    if ('unreachable' in res) return res.unreachable;
    const id = res.body.id;
    return res.status === 200 && typeof id === 'string' ? { ok: true, flowId: id } : refusal(res);
  }

  /** `POST /{flow-id}/assets`: the Flow JSON as the file `flow.json`; Meta's objections, if any. */
  async upload(
    flow: GraphObject,
    accessToken: string,
    flowJson: object,
  ): Promise<ManagementResult<{ validationErrors: FlowValidationError[] }>> {
    const form = new FormData();
    form.append('file', new Blob([JSON.stringify(flowJson)], { type: 'application/json' }), 'flow.json');
    form.append('name', 'flow.json');
    form.append('asset_type', 'FLOW_JSON');
    const res = await this.graph.manage(flow, accessToken, 'post', '/assets', form);
    if ('unreachable' in res) return res.unreachable;
    if (res.status !== 200 || res.body.success !== true) return refusal(res);
    return { ok: true, validationErrors: validationErrorsOf(res.body.validation_errors) };
  }

  /** `POST /{flow-id}/publish`: refused while the Flow JSON has objections. */
  async publish(flow: GraphObject, accessToken: string): Promise<ManagementResult> {
    const res = await this.graph.manage(flow, accessToken, 'post', '/publish');
    if ('unreachable' in res) return res.unreachable;
    return res.status === 200 && res.body.success === true ? { ok: true } : refusal(res);
  }

  /** `GET /{flow-id}`. */
  async get(flow: GraphObject, accessToken: string): Promise<ManagementResult<{ flow: CloudFlow }>> {
    const res = await this.graph.manage(flow, accessToken, 'get', '', {
      fields: 'id,name,status,endpoint_uri,validation_errors',
    });
    if ('unreachable' in res) return res.unreachable;
    if (res.status !== 200) return refusal(res);
    return {
      ok: true,
      flow: {
        id: text(res.body.id),
        name: text(res.body.name),
        status: text(res.body.status),
        endpointUri: text(res.body.endpoint_uri) || null,
        validationErrors: validationErrorsOf(res.body.validation_errors),
      },
    };
  }
}
