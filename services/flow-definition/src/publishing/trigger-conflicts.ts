import { type Problem, ProblemCode, type Trigger, triggerCollisions } from '@flowbridge/flow-engine';

/** The active version of another flow of the workspace, as far as trigger conflicts go. */
export interface ActiveFlow {
  name: string;
  triggers: Trigger[];
  /** Empty: every channel. */
  channelIds: string[];
}

/**
 * Why a version cannot go live beside the workspace's other active flows: one error per flow on a shared channel
 * whose triggers would claim the same messages (a keyword, a button payload, "any message"). A message must have
 * one flow to answer it.
 */
export function triggerConflicts(triggers: Trigger[], channelIds: string[], others: ActiveFlow[]): Problem[] {
  return others.flatMap((other): Problem[] => {
    if (!channelsOverlap(channelIds, other.channelIds)) return [];
    const collisions = triggerCollisions(triggers, other.triggers);
    return collisions.length === 0
      ? []
      : [
          {
            severity: 'error',
            screenId: null,
            path: 'triggers',
            code: ProblemCode.TriggerConflict,
            message: `The active flow "${other.name}" already answers ${collisions.join(', ')} on the same channel`,
          },
        ];
  });
}

/** An empty list means "every channel", which overlaps with anything. */
function channelsOverlap(a: string[], b: string[]): boolean {
  return a.length === 0 || b.length === 0 || a.some((c) => b.includes(c));
}
