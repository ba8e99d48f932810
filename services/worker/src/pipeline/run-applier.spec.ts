import {
  ApiCallJobName,
  type NavigationEventV1,
  NavigationJobName,
  type TriggerEventV1,
} from '@flowbridge/contracts';
import { pageExampleFlow } from '@flowbridge/flow-engine';
import type { TriggerMatcher } from '../clients/active-triggers';
import type { RpcClients } from '../clients/rpc.clients';
import { runStateOf } from '../runs/run.entity';
import { RunSet } from '../runs/run-rows';
import type { WorkerConfig } from '../worker.config';
import type { InboxEvent } from './jobs';
import { RunApplier } from './run-applier';
import { RunStarter } from './run-starter';
import { RunStepper } from './run-stepper';

// The unit test of RunApplier: the flow versions (flow-definition's RPC) and the trigger matcher are stand-ins;
// the runs are the batch's in-memory RunSet. The whole batch runs against Postgres in test/worker.test.ts.

const contact = {
  workspaceId: 'ws-a',
  channelId: '0b6f1c2e-5d4a-4f7e-9c3b-2a1d0e9f8a7b',
  waId: '447700900001',
};
const API = 'api-fetch';
const version = { flowId: 'flow-1', version: 3, document: pageExampleFlow(API) };
const config = { NAVIGATION_PARTITIONS: 4, RUN_IDLE_TIMEOUT_MS: 600_000 } as WorkerConfig;

function applier(options: { matches?: boolean } = {}) {
  const rpc = { flowVersion: jest.fn(async () => version) };
  const triggers: TriggerMatcher = {
    match: async () =>
      options.matches === false ? null : ({ flowId: 'flow-1', version: 3, trigger: 'keyword' } as never),
  };
  const runs = new RunSet([]);
  const apply = (event: InboxEvent) => {
    const stepper = new RunStepper(rpc as unknown as RpcClients, config);
    const starter = new RunStarter(rpc as unknown as RpcClients, stepper);
    return new RunApplier(stepper, starter).apply({ runs, triggers }, contact, event);
  };
  return { apply, runs, rpc };
}

function message(text: string, id = `wamid.${Math.random()}`): InboxEvent {
  const event: TriggerEventV1 = {
    version: 1,
    eventId: `wa-${id}`,
    workspaceId: contact.workspaceId,
    channelId: contact.channelId,
    contact: { waId: contact.waId, name: 'Ada' },
    occurredAt: new Date().toISOString(),
    source: { type: 'message', messageId: id, message: { kind: 'text', text } },
  };
  return { kind: 'trigger', event };
}

const texts = (jobs: Array<{ name: string; payload: object }>) =>
  jobs
    .filter((j) => j.name === NavigationJobName.Navigation)
    .flatMap((j) => (j.payload as NavigationEventV1).messages.map((m) => ('text' in m ? m.text : m.type)));

describe('RunApplier: one inbox event applied to the contact’s run', () => {
  it('a message its triggers pick starts a run: the first screen is sent and the run waits for the reply', async () => {
    const { apply, runs } = applier();
    const jobs = await apply(message('order status'));
    expect(texts(jobs)).toEqual(['Hi Ada! Send your order number.']);
    const run = runs.liveOf(contact)!;
    expect(run).toMatchObject({
      flowId: 'flow-1',
      flowVersion: 3,
      status: 'waiting_input',
      screenId: 'welcome',
    });
    expect(runs.enteredSteps()).toEqual([
      expect.objectContaining({ runId: run.id, screenId: 'welcome', navigationId: `${run.id}:1` }),
    ]);
  });

  it("the reply is the run's input: the data_exchange step asks for the API's first attempt, keyed by the step", async () => {
    const { apply, runs } = applier();
    await apply(message('order status'));
    const jobs = await apply(message('A-1001'));
    const run = runs.liveOf(contact)!;
    expect(jobs).toEqual([
      expect.objectContaining({
        name: ApiCallJobName,
        payload: expect.objectContaining({ runId: run.id, apiId: API, attempt: 1 }),
      }),
    ]);
    expect(runStateOf(run).variables).toMatchObject({ order_id: 'A-1001' });
    expect(runStateOf(run).pendingApi?.key).toBe((jobs[0].payload as { key: string }).key);
  });

  it("the API's answer takes the run to the success screen, with the answer's data in its message", async () => {
    const { apply, runs } = applier();
    await apply(message('order status'));
    const [call] = await apply(message('A-1001'));
    const { runId, key } = call.payload as { runId: string; key: string };
    const response = {
      status: 'success' as const,
      statusCode: 200,
      data: { status: 'shipped' },
      headers: {},
      error: null,
      attempts: 1,
      durationMs: 4,
      truncated: false,
    };
    const jobs = await apply({ kind: 'api_result', runId, key, response, mapped: {} });
    expect(texts(jobs)).toEqual(['Order A-1001 is shipped. Anything else?']);
    expect(runs.byIdOf(runId)?.screenId).toBe('first_screen');
    // The same result again (a redelivery) changes nothing: the step is no longer pending.
    expect(await apply({ kind: 'api_result', runId, key, response, mapped: {} })).toEqual([]);
  });

  it('an idle run past its expiry ends as expired; one renewed since is left alone', async () => {
    const { apply, runs } = applier();
    await apply(message('order status'));
    const run = runs.liveOf(contact)!;
    expect(await apply({ kind: 'expire', runId: run.id })).toEqual([]);
    expect(run.status).toBe('waiting_input');
    run.expiresAt = new Date(Date.now() - 1);
    await apply({ kind: 'expire', runId: run.id });
    expect(run).toMatchObject({ status: 'expired' });
  });

  it('a message to a run gone idle past its expiry ends that run as expired and starts the flow its triggers pick', async () => {
    const { apply, runs } = applier();
    await apply(message('order status'));
    const idle = runs.liveOf(contact)!;
    idle.expiresAt = new Date(Date.now() - 1);
    const jobs = await apply(message('order status'));
    expect(idle).toMatchObject({ status: 'expired' });
    const next = runs.liveOf(contact)!;
    expect(next.id).not.toBe(idle.id);
    expect(next).toMatchObject({ status: 'waiting_input', screenId: 'welcome' });
    expect(texts(jobs)).toContain('Hi Ada! Send your order number.');
  });

  it('an API trigger replaces what the contact was doing; a message no flow answers does nothing', async () => {
    const { apply, runs } = applier();
    await apply(message('order status'));
    const first = runs.liveOf(contact)!;
    const api: InboxEvent = {
      kind: 'trigger',
      event: {
        ...(message('x') as Extract<InboxEvent, { kind: 'trigger' }>).event,
        source: { type: 'api', flowId: 'flow-1', flowVersion: 3, variables: { campaign: 'spring' } },
      },
    };
    await apply(api);
    expect(first).toMatchObject({ status: 'completed', endReason: 'REPLACED' });
    expect(runs.liveOf(contact)?.id).not.toBe(first.id);

    const quiet = applier({ matches: false });
    expect(await quiet.apply(message('hello'))).toEqual([]);
    expect(quiet.runs.liveOf(contact)).toBeNull();
  });
});
