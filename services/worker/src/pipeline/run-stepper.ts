import { runSequenceId } from '@flowbridge/contracts';
import { type Effect, type RunEvent, type RunState, step } from '@flowbridge/flow-engine';
import { Injectable, Logger } from '@nestjs/common';
import { type LoadedVersion, RpcClients } from '../clients/rpc.clients';
import { type RunEntity, runStateOf } from '../runs/run.entity';
import type { RunSet } from '../runs/run-rows';
import { WorkerConfig } from '../worker.config';
import { outboxJobsOf } from './effect-jobs';
import type { OutboxJob } from './outbox.repository';
import { runsFinished } from './worker-metrics';

/** What one event's application works with: the batch's runs, and the trace its jobs carry on. */
export interface StepContext {
  runs: RunSet;
  trace?: string;
}

/**
 * Steps the flow engine on one run of the batch (in memory; the batch writes it once): records the screens it
 * entered and turns the step's effects into jobs (navigation, API calls) for the outbox.
 */
@Injectable()
export class RunStepper {
  private readonly logger = new Logger(RunStepper.name);

  constructor(
    private readonly rpc: RpcClients,
    private readonly config: WorkerConfig,
  ) {}

  /** The version a run is on (null when it no longer exists). */
  versionOf(run: RunEntity): Promise<LoadedVersion | null> {
    return this.rpc.flowVersion(run.workspaceId, run.flowId, run.flowVersion);
  }

  /** Steps a run the batch holds, on its own version; no jobs when that version is gone. */
  async continue(context: StepContext, run: RunEntity, event: RunEvent): Promise<OutboxJob[]> {
    const version = await this.versionOf(run);
    return version ? this.step(context, run, version, runStateOf(run), event) : [];
  }

  /** Steps an existing run whose version the caller has loaded. */
  step(
    { runs, trace }: StepContext,
    run: RunEntity,
    version: LoadedVersion,
    state: RunState,
    event: RunEvent,
    created = false,
  ): OutboxJob[] {
    const result = step(version.document, state, event);
    if (result.ignored) {
      this.logger.debug({ runId: run.id, ignored: result.ignored }, 'event did not apply to the run');
      return [];
    }
    const next = result.state;
    Object.assign(run, {
      state: next as unknown as Record<string, unknown>,
      status: next.status,
      screenId: next.screenId,
      endReason: next.endReason,
      updatedAt: new Date(),
      expiresAt: this.expiry(),
      endedAt: next.status === 'active' || next.status === 'waiting_input' ? null : new Date(),
    });
    if (created) runs.add(run);
    else runs.touch(run);
    runs.enter(
      stepsOf(run.id, result.entered, result.effects).map((s) => ({
        runId: run.id,
        cause: event.type,
        ...s,
      })),
    );
    for (const effect of result.effects)
      if (effect.type === 'end') runsFinished.inc({ status: effect.status, reason: effect.reason ?? 'none' });
    return result.effects.flatMap((effect) =>
      outboxJobsOf(run, effect, this.config.NAVIGATION_PARTITIONS, trace),
    );
  }

  /** When a run stepped now expires if nothing else comes. */
  expiry(): Date {
    return new Date(Date.now() + this.config.RUN_IDLE_TIMEOUT_MS);
  }
}

/** Each screen entered, with the navigation sent on entering it (sends come in the order screens are entered). */
function stepsOf(
  runId: string,
  entered: string[],
  effects: Effect[],
): Array<{ screenId: string; navigationId: string | null }> {
  const sends = effects.filter((e): e is Extract<Effect, { type: 'send' }> => e.type === 'send');
  let next = 0;
  return entered.map((screenId) => {
    const send = sends[next]?.screenId === screenId ? sends[next++] : undefined;
    return { screenId, navigationId: send ? runSequenceId(runId, send.seq) : null };
  });
}
