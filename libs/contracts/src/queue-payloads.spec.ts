import { readApiCallJob } from './api-calls';
import { readNavigationEvent } from './navigation';
import { readTriggerEvent } from './triggers';

const CHANNEL = '0b6f1c2e-5d4a-4f7e-9c3b-2a1d0e9f8a7b';

const trigger = {
  version: 1,
  eventId: 'wamid.1',
  workspaceId: 'ws-a',
  channelId: CHANNEL,
  contact: { waId: '447700900001', name: 'Ada' },
  occurredAt: '2026-12-06T10:00:00.000Z',
  source: {
    type: 'message',
    messageId: 'wamid.1',
    message: { kind: 'text', text: 'order status' },
    inbound: { type: 'text', text: 'order status' },
  },
};

const navigation = {
  version: 1,
  navigationId: 'run-1:2',
  workspaceId: 'ws-a',
  channelId: CHANNEL,
  contact: { waId: '447700900001' },
  runId: 'run-1',
  flowId: 'flow-1',
  flowVersion: 3,
  screenId: 'found',
  seq: 2,
  messages: [{ type: 'text', text: 'Your order is shipped' }],
  emittedAt: '2026-12-06T10:00:00.100Z',
};

const apiCall = {
  version: 1,
  contact: { workspaceId: 'ws-a', channelId: CHANNEL, waId: '447700900001' },
  runId: 'run-1',
  apiId: 'api-1',
  key: 'run-1:1',
  attempt: 2,
  countedAttempts: 1,
  startedAt: 1_765_000_000_000,
};

const without = (value: object, path: string[]): object => {
  const copy = structuredClone(value) as Record<string, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  delete at[path[path.length - 1]];
  return copy;
};

describe('queue payload validators (libs/contracts owns them; the consumers call them on receipt)', () => {
  it('a trigger event passes whole, with the fields a newer producer or the messaging service adds', () => {
    expect(readTriggerEvent(trigger)).toEqual(trigger);
    const api = { ...trigger, source: { type: 'api', flowId: 'f', flowVersion: 2, variables: { a: 1 } } };
    expect(readTriggerEvent(api)).toEqual(api);
  });

  it.each([
    [without(trigger, ['eventId']), 'eventId'],
    [{ ...trigger, version: 2 }, 'version'],
    [{ ...trigger, occurredAt: 'yesterday' }, 'occurredAt: is not a date'],
    [{ ...trigger, contact: { waId: '12' } }, 'contact.waId: is not a WhatsApp id'],
    [{ ...trigger, source: { ...trigger.source, message: { kind: 'text' } } }, 'source.message.text'],
    [
      { ...trigger, source: { type: 'api', flowId: 'f', flowVersion: 1.5, variables: {} } },
      'source.flowVersion',
    ],
    [{ ...trigger, source: { type: 'cron' } }, 'source.type'],
    ['not an object', 'event'],
  ])('a trigger event with a bad field is refused, naming it (%#)', (data, problem) => {
    expect(readTriggerEvent(data)).toEqual(expect.stringContaining(problem));
  });

  it('a navigation event passes; a bad message or id is refused with its path', () => {
    expect(readNavigationEvent(navigation)).toEqual(navigation);
    expect(readNavigationEvent({ ...navigation, channelId: 'not-a-uuid' })).toMatch(/^channelId:/);
    expect(readNavigationEvent({ ...navigation, messages: [{ type: 'text' }] })).toMatch(
      /^messages\.0\.text:/,
    );
    expect(readNavigationEvent({ ...navigation, messages: [{ type: 'sms', text: 'x' }] })).toMatch(
      /^messages\.0\.type:/,
    );
  });

  it('an API-call job passes (with or without the interrupted mark); a bad one is refused with its path', () => {
    expect(readApiCallJob(apiCall)).toEqual(apiCall);
    expect(readApiCallJob({ ...apiCall, interrupted: 1 })).toEqual({ ...apiCall, interrupted: 1 });
    expect(readApiCallJob({ ...apiCall, attempt: 0 })).toMatch(/^attempt:/);
    expect(readApiCallJob(without(apiCall, ['contact', 'waId']))).toMatch(/^contact\.waId:/);
    expect(readApiCallJob({ ...apiCall, version: 2 })).toMatch(/^version:/);
  });
});
