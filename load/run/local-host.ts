/** Runs iterations in this thread (the default, --workers 1). */
import type { IterationHost } from '../executors/arrival-rate.ts';
import { interruptIteration, runIteration, type IterationOrder, type IterationOutcome } from './iteration.ts';
import type { ScriptModule } from './script.ts';

export class LocalHost implements IterationHost {
  private readonly script: ScriptModule;
  private readonly data: unknown;

  constructor(script: ScriptModule, data: unknown) {
    this.script = script;
    this.data = data;
  }

  start(order: IterationOrder): Promise<IterationOutcome> {
    return runIteration(this.script, order, this.data);
  }

  interrupt(order: IterationOrder): void {
    interruptIteration(order.id);
  }

  async close(): Promise<void> {}
}
