// The app.json healthchecks of each instance the reconciler looks after: the gate (startup and
// readiness checks) a new instance passes before it gets traffic, and the liveness watch over it once
// it is up. This keeps each instance's schedule and writes the failed attempts to the app log; what a
// verdict means (no traffic, a failed rollout, a restart as a crash) is the reconciler's call.
import { isGate, type Healthcheck } from '../domain/healthchecks.js';
import type { LogSink } from '../logs/log-sink.js';
import type { Instance } from '../runtime/runtime.js';
import { CheckSchedule, type CheckStep } from './check-schedule.js';
import type { DesiredSlot } from './desired-state.js';
import type { HealthcheckProbe } from './healthcheck-probe.js';

export class InstanceHealthchecks {
  private readonly gates = new Map<string, CheckSchedule>();
  private readonly watches = new Map<string, CheckSchedule>();

  constructor(private readonly probe: HealthcheckProbe, private readonly appLog: LogSink) {}

  /**
   * Startup and readiness checks of a booting instance, first tried at `readyAt` (web: once $PORT
   * accepts connections) and not before each check's `initialDelay` after `startedAt`.
   */
  async gate(instance: Instance, slot: DesiredSlot, startedAt: number, readyAt: number, now: number): Promise<CheckStep> {
    let schedule = this.gates.get(instance.id);
    if (!schedule) {
      schedule = new CheckSchedule(slot.checks.filter(isGate), startedAt, readyAt, 'gate');
      this.gates.set(instance.id, schedule);
    }
    const step = await this.run(instance, schedule, now);
    if (step.state === 'passed') this.gates.delete(instance.id);
    return step;
  }

  /** Liveness checks of an instance that is up; nothing to do (passed) when the type has none. */
  async watch(instance: Instance, slot: DesiredSlot, startedAt: number, upSince: number, now: number): Promise<CheckStep> {
    let schedule = this.watches.get(instance.id);
    if (!schedule) {
      schedule = new CheckSchedule(slot.checks.filter((c) => !isGate(c)), startedAt, upSince, 'watch');
      this.watches.set(instance.id, schedule);
    }
    return this.run(instance, schedule, now);
  }

  forget(instanceId: string): void {
    this.gates.delete(instanceId);
    this.watches.delete(instanceId);
  }

  private run(instance: Instance, schedule: CheckSchedule, now: number): Promise<CheckStep> {
    if (schedule.empty) return Promise.resolve({ state: 'passed' });
    return schedule.step(now, (check) => this.probe(instance.address, check), (check, problem, failures, retryInMs) => {
      this.appLog.write(instance.appId, 'berth', instance.name,
        `${label(check)} failed (${failures} of ${check.attempts}): ${problem}; trying again in ${Math.ceil(retryInMs / 1000)} s`);
    });
  }
}

/** `Startup healthcheck "web check"`: how log lines and rollout reasons name a check. */
export const label = (check: Healthcheck): string =>
  `${check.type[0]!.toUpperCase()}${check.type.slice(1)} healthcheck ${JSON.stringify(check.name)}`;
