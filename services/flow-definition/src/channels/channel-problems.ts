import { type Problem, ProblemCode } from '@flowbridge/flow-engine';

/** A flow's channels the workspace does not have (disconnected since they were saved), as the draft's problems. */
export function channelProblems(unknown: ReadonlyArray<{ index: number; id: string }>): Problem[] {
  return unknown.map(({ index, id }) => ({
    severity: 'error',
    screenId: null,
    path: `channelIds[${index}]`,
    code: ProblemCode.ChannelNotFound,
    message: `The workspace has no channel ${id} (disconnected?): remove it from the flow's channels`,
  }));
}
