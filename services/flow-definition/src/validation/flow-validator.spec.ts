import { ProblemCode } from '@flowbridge/flow-engine';
import { AppError } from '@flowbridge/platform';
import { type ConnectionsClient, ConnectionsUnavailableError } from './connections.client';
import { FlowValidator } from './flow-validator';

// The unit test of FlowValidator: the connections service is a stand-in. The RPC itself runs in
// test/flow-definition.test.ts.

const API = '9a3c3c52-8f3e-4d0b-9c1a-3f3f6d8e2b11';

function flowCalling(api: string | null): unknown {
  return {
    name: 'Orders',
    triggers: [{ type: 'keyword', keywords: ['order'], match: 'contains' }],
    startScreen: 'lookup',
    variables: [],
    screens: [
      {
        id: 'lookup',
        messages: api ? [] : [{ type: 'text', text: 'Hello' }],
        actions: api
          ? [{ type: 'data_exchange', api, onSuccess: 'found', onFailure: 'failed' }]
          : [{ type: 'end' }],
      },
      { id: 'found', messages: [{ type: 'text', text: 'Found' }], actions: [{ type: 'end' }] },
      { id: 'failed', messages: [{ type: 'text', text: 'Failed' }], actions: [{ type: 'end' }] },
    ],
  };
}

function validatorWith(checkApis: ConnectionsClient['checkApis']) {
  const connections = { checkApis: jest.fn(checkApis) };
  return { validator: new FlowValidator(connections as unknown as ConnectionsClient), connections };
}

describe('FlowValidator: the flow engine’s checks, with the APIs a flow calls asked of the connections service', () => {
  it('a flow that calls no API is checked without asking the connections service', async () => {
    const { validator, connections } = validatorWith(async () => ({}));
    const result = await validator.validate('ws-a', flowCalling(null), 'publish');
    expect(connections.checkApis).not.toHaveBeenCalled();
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it("asks about the flow's APIs in its workspace and reports one the workspace does not have", async () => {
    const { validator, connections } = validatorWith(async () => ({
      [API]: { ok: false, code: 'UNKNOWN_API', message: 'No API in this workspace' },
    }));
    const result = await validator.validate('ws-a', flowCalling(API), 'draft');
    expect(connections.checkApis).toHaveBeenCalledWith('ws-a', [API]);
    expect(result.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: ProblemCode.UnknownApi, screenId: 'lookup' })]),
    );
  });

  it('an existing API passes', async () => {
    const { validator } = validatorWith(async () => ({
      [API]: { ok: true, name: 'Fetch API Data', connectionId: 'conn-1', mappedVariables: [], templates: [] },
    }));
    const result = await validator.validate('ws-a', flowCalling(API), 'publish');
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('connections unavailable: a draft is saved with a warning, a publish is refused with a 503', async () => {
    const { validator } = validatorWith(async () => {
      throw new ConnectionsUnavailableError('the connections service did not answer');
    });
    const draft = await validator.validate('ws-a', flowCalling(API), 'draft');
    expect(draft.flow).not.toBeNull();
    expect(draft.problems).toEqual([
      expect.objectContaining({ severity: 'warning', code: ProblemCode.ApiUnavailable }),
    ]);
    await expect(validator.validate('ws-a', flowCalling(API), 'publish')).rejects.toEqual(
      expect.objectContaining({ status: 503 }),
    );
    await expect(validator.validate('ws-a', flowCalling(API), 'publish')).rejects.toBeInstanceOf(AppError);
  });
});
