import type { ApiCallJob } from '@flowbridge/contracts';

/** The contact, API attempt and run the worker's unit specs of an API step start from. */
export function apiStepFixture(): {
  contact: ApiCallJob['contact'];
  call: ApiCallJob;
  run: { id: string; workspaceId: string; flowId: string; flowVersion: number };
} {
  const contact = { workspaceId: 'ws-a', channelId: 'ch-1', waId: '447700900001' };
  return {
    contact,
    call: {
      version: 1,
      contact,
      runId: 'run-1',
      apiId: 'api-1',
      key: 'run-1:1',
      attempt: 1,
      countedAttempts: 0,
      startedAt: Date.now(),
    },
    run: { id: 'run-1', workspaceId: 'ws-a', flowId: 'flow-1', flowVersion: 2 },
  };
}
