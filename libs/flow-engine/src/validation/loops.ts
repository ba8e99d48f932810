import type { Screen } from '../model/schema';
import { walkScreen } from './walk';

/**
 * Cycles the run can go round without ever waiting for the contact (each would spin until the step bound
 * ends the run): strongly connected components of the "moves on by itself" edges, one cycle each, as ids.
 */
export function findLoops(screens: readonly Screen[], base: (screen: Screen) => string): string[][] {
  const next = new Map<string, string[]>();
  for (const screen of screens) {
    const targets: string[] = [];
    walkScreen(screen, base(screen), new Set(), {
      edge: (target, _set, _path, automatic) => {
        if (automatic && target !== undefined) targets.push(target);
      },
    });
    next.set(screen.id, targets);
  }
  return stronglyConnected(
    screens.map((s) => s.id),
    next,
  )
    .filter((component) => component.length > 1 || (next.get(component[0]) ?? []).includes(component[0]))
    .map((component) => cycleIn(component, next));
}

/** Tarjan's algorithm, iterative so that a long chain of screens cannot overflow the stack. */
function stronglyConnected(ids: string[], next: ReadonlyMap<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of ids) {
    if (index.has(root)) continue;
    const work: Array<{ id: string; edge: number }> = [{ id: root, edge: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const targets = (next.get(frame.id) ?? []).filter((t) => next.has(t));
      if (frame.edge < targets.length) {
        const target = targets[frame.edge++];
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ id: target, edge: 0 });
        } else if (onStack.has(target)) low.set(frame.id, Math.min(low.get(frame.id)!, index.get(target)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].id;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.id)!));
      }
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        components.push(component.reverse());
      }
    }
  }
  return components;
}

/** One actual cycle through the component's first screen, by breadth-first search inside the component. */
function cycleIn(component: string[], next: ReadonlyMap<string, string[]>): string[] {
  const members = new Set(component);
  const start = component[0];
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const target of next.get(id) ?? []) {
      if (!members.has(target)) continue;
      if (target === start) {
        const cycle = [id];
        while (cycle[0] !== start) cycle.unshift(parent.get(cycle[0])!);
        return cycle;
      }
      if (!parent.has(target)) {
        parent.set(target, id);
        queue.push(target);
      }
    }
  }
  return component;
}
