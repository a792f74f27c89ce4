// Level-based reconciliation of one app: read desired state from the store and actual instances
// from the runtime, then start, stop or replace instances to close the gap. Idempotent: running
// it twice in a row changes nothing the second time.
import { commandOf } from '../domain/process-types.js';
import { DEFAULT_SIZE } from '../domain/sizes.js';
import type { LogSink } from '../logs/log-sink.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { Instance, Runtime } from '../runtime/runtime.js';
import type { DynoState, DynoView } from '../services/dyno-directory.js';
import type { DynoChange, PlatformEvents } from '../services/platform-events.js';
import type { Store } from '../store/store.js';
import { CrashTracker } from './crash-backoff.js';
import type { CheckStep } from './check-schedule.js';
import { readDesiredState, slotKey, type DesiredSlot, type DesiredState } from './desired-state.js';
import { healthcheckProbe, type HealthcheckProbe } from './healthcheck-probe.js';
import { InstanceHealthchecks, label } from './instance-healthchecks.js';
import { moveLine, noMoves, type InstanceMoves } from './instance-moves.js';
import type { InstanceOutput } from './instance-output.js';
import type { PortProbe } from './port-probe.js';
import { KeyedRetryBackoff } from './retry-backoff.js';
import type { RolloutRecorder } from './rollout-recorder.js';
import type { PublishedRoute, RoutePublisher } from './route-publisher.js';
import { classifyStartFailure } from './start-failure.js';
import { StartRefusals } from './start-refusals.js';

export interface ReconcilerDeps {
  store: Store;
  runtime: Runtime;
  routes: RoutePublisher;
  appLog: LogSink;
  clock: Clock;
  logger: Logger;
  probe: PortProbe;
  /** One attempt of an app.json healthcheck (HTTP GET on $PORT, …); default: the real one over `probe`. */
  healthchecks?: HealthcheckProbe;
  crashes?: CrashTracker;
  /** Writes the current release's rollout verdict (live, failed) once this pass has decided it. */
  rollouts: RolloutRecorder;
  /** Backoff for "retry later" failures (a start the runtime could not do now, a removal that failed). */
  retries?: KeyedRetryBackoff;
  /** Copies instance output into the app log (app[web.1] lines); none in unit tests. */
  output?: InstanceOutput;
  /** A web instance must accept connections on $PORT within this time (R10). Default 60 s. */
  bootTimeoutMs?: number;
  /** After routes move away from an instance, in-flight requests get this long before SIGTERM. */
  drainMs?: number;
  stopGraceMs?: number;
  /** Which instances the fleet balancer wants on another node; none on the one-machine runtimes. */
  moves?: InstanceMoves;
  /** Where dyno state changes are announced (`dyno-changed`: app webhooks); none in most unit tests. */
  events?: PlatformEvents;
}

interface BootState {
  startedAt: number;
  /** Web: when $PORT first accepted a connection; the app.json startup and readiness checks start then. */
  listeningSince?: number;
  upSince?: number;
  /**
   * Web: up but not yet in the published routes. It is announced up (state, log line, webhook) by
   * the publish that routes it, so nobody is told a dyno is up that the routers do not know of.
   */
  upUnrouted?: boolean;
}

/** What one reconcile pass decides for the instances it found, slot by slot. */
interface SlotPass {
  /** Running and not being stopped. */
  running: Instance[];
  /** Running, being stopped or not: what the app holds in the runtime. */
  alive: Instance[];
  /** Instances that stay (current ones, and older ones serving until the new one is up). */
  keep: Set<string>;
  /** Older instances that served: out of the routes, then drained and stopped. */
  superseded: Instance[];
  /** Older instances that never came up: stopped at once, with nothing to drain. */
  abandoned: Instance[];
  /** Why the current release cannot go live, in the words the rollout shows (first one wins). */
  failures: string[];
  /**
   * Process types with a slot being resized right now (its old-size instance still serving while the
   * new one boots): the type's other slots wait their turn, so a resize restarts one dyno at a time.
   */
  resizing: Set<string>;
}


/** When the app should be looked at again, if something is pending (a boot, a backoff). */
export interface ReconcileResult {
  wakeInMs?: number;
}

const PROBE_INTERVAL_MS = 200;
const isWeb = (type: string) => type === 'web';

/**
 * An instance is what its slot wants when it runs the current release at the slot's size, on a node
 * it may stay on: a resize or a move replaces instances as a new release does. An instance whose size
 * the runtime cannot tell (started before sizes were recorded) is taken as fitting, rather than
 * restarting every such dyno at upgrade.
 */
const atSlotSize = (slot: DesiredSlot, i: Instance) => i.size === null || i.size === slot.size.name;
const isCurrentFor = (slot: DesiredSlot, releaseId: string, moves: InstanceMoves) => (i: Instance) =>
  i.releaseId === releaseId && atSlotSize(slot, i) && !moves.moveOf(i.id);

/**
 * When the instance started, as the runtime recorded it: an instance adopted after a server restart
 * has long waited out its checks' `initialDelay`, and keeps serving while they are asked again.
 */
const ranSince = (i: Instance, boot: BootState): number => {
  const t = Date.parse(i.startedAt);
  return Number.isNaN(t) ? boot.startedAt : Math.min(t, boot.startedAt);
};

/** Newest first: the later release, and within one release (a resize) the later start. */
const newestFirst = (a: Instance, b: Instance) => b.releaseVersion - a.releaseVersion || Date.parse(b.startedAt) - Date.parse(a.startedAt);

export class Reconciler {
  private readonly boot = new Map<string, BootState>();
  /** Instances being stopped on purpose: their exit is not a crash. */
  private readonly stopping = new Set<string>();
  private readonly names = new Map<string, string>();
  /** Exited instances whose exit was handled but whose removal failed: the next pass only retries the removal. */
  private readonly exitHandled = new Map<string, string>(); // instance id → app id
  private readonly refused = new StartRefusals();
  readonly crashes: CrashTracker;
  private readonly retries: KeyedRetryBackoff;
  private readonly checks: InstanceHealthchecks;
  private readonly moves: InstanceMoves;

  constructor(private readonly deps: ReconcilerDeps) {
    this.moves = deps.moves ?? noMoves;
    this.crashes = deps.crashes ?? new CrashTracker();
    this.retries = deps.retries ?? new KeyedRetryBackoff();
    this.checks = new InstanceHealthchecks(deps.healthchecks ?? healthcheckProbe(deps.probe), deps.appLog);
  }

  async reconcile(appId: string): Promise<ReconcileResult> {
    const { store, runtime } = this.deps;
    const app = await store.apps.byId(appId);
    const instances = await runtime.list({ appId });
    if (!app) return this.teardown(appId, instances);
    if (this.names.get(appId) && this.names.get(appId) !== app.name) this.deps.routes.remove(this.names.get(appId)!);
    this.names.set(appId, app.name);

    const desired = await readDesiredState(store, app);
    const now = this.deps.clock.now();
    const wakes: number[] = [];
    const failures: string[] = [];
    this.refused.forget(appId, desired.slots); // slots of older releases, scaled-down types
    // Instances on their way out (draining, timed out, restarted) are neither serving nor booting:
    // a slow SIGTERM must not make a timed-out instance look like a fresh boot of its slot.
    const { running: stillRunning, removalsFailed } = await this.collectExits(appId, instances, now, desired.release?.id, failures);
    const running = stillRunning.filter((i) => !this.stopping.has(i.id));
    // Instances this process did not start (adopted after a server restart) are followed from now on.
    for (const i of running) this.deps.output?.follow(i, false);
    const cleanupKey = `${appId}/removals`;
    if (removalsFailed) wakes.push(this.retries.failed(cleanupKey, now));
    else this.retries.reset(cleanupKey);

    // Every instance still alive counts against its slot, including the ones being stopped: an
    // instance that ignores SIGTERM still holds its memory, CPU and port until it is gone.
    const alive = instances.filter((i) => i.status === 'running');
    const pass: SlotPass = { running, alive, keep: new Set(), superseded: [], abandoned: [], failures, resizing: new Set() };
    // Each slot on its own: whatever goes wrong with one (worker cannot start) leaves the others,
    // and the route switch below, to go ahead.
    for (const slot of desired.slots) {
      try {
        const wake = await this.reconcileSlot(desired, slot, pass, now);
        if (wake !== undefined) wakes.push(wake);
      } catch (e) {
        this.deps.logger.error('slot-reconcile-failed', { appId, slot: `${slot.type}.${slot.index}`, error: e instanceof Error ? e.stack ?? e.message : String(e) });
        wakes.push(this.retries.failed(slot.key, now));
      }
    }
    const { keep, superseded, abandoned } = pass;
    const extras = running.filter((i) => !keep.has(i.id) && !superseded.includes(i) && !abandoned.includes(i));
    this.publish(desired, running, keep);
    for (const i of abandoned) this.abandon(i, i.releaseId === desired.release?.id);
    for (const i of [...superseded, ...extras]) this.retire(i);
    // Judged after the routes were published: "live" means traffic already goes to the new instances.
    const { release } = desired;
    await this.deps.rollouts.judge(release, desired.slots, pass.failures, (slot) => pass.running.some((i) => i.releaseId === release?.id
      && i.processType === slot.type && i.index === slot.index && pass.keep.has(i.id) && announcedUp(this.boot.get(i.id))));
    return { wakeInMs: wakes.length ? Math.max(0, Math.min(...wakes)) : undefined };
  }

  /**
   * Handles instances that exited since the last look; returns the ones still running. A removal
   * that fails (Docker: 409 "removal already in progress") is left for a later pass and never stops
   * this one; the exit itself is handled once.
   */
  private async collectExits(appId: string, instances: Instance[], now: number, currentReleaseId: string | undefined, failures: string[]): Promise<{ running: Instance[]; removalsFailed: boolean }> {
    const running: Instance[] = [];
    let removalsFailed = false;
    for (const i of instances) {
      if (i.status === 'running') { running.push(i); continue; }
      if (!this.exitHandled.has(i.id)) this.handleExit(i, now, currentReleaseId, failures);
      try {
        await this.deps.runtime.remove(i.id);
        this.exitHandled.delete(i.id);
        this.deps.output?.forget(i.id);
      } catch (e) {
        this.exitHandled.set(i.id, i.appId);
        removalsFailed = true;
        this.deps.logger.warn('instance-remove-failed', { app: i.appName, dyno: i.name, id: i.id, error: String(e) });
      }
    }
    // One whose removal finished some other way (the engine completed it) is gone from the list.
    const listed = new Set(instances.map((i) => i.id));
    for (const [id, app] of this.exitHandled) if (app === appId && !listed.has(id)) this.exitHandled.delete(id);
    return { running, removalsFailed };
  }

  private handleExit(i: Instance, now: number, currentReleaseId: string | undefined, failures: string[]): void {
    const stoppedOnPurpose = this.stopping.delete(i.id);
    if (!stoppedOnPurpose && i.lostWith !== undefined) {
      // Its machine died, not the app: no crash is counted (so no backoff), the slot starts again at
      // once on another node, and the rollout is not failed for it.
      const wasUp = announcedUp(this.boot.get(i.id));
      this.deps.appLog.write(i.appId, 'berth', i.name, `Lost with node ${i.lostWith}; starting it on another node`);
      this.deps.appLog.write(i.appId, 'berth', i.name, `State changed from ${wasUp ? 'up' : 'starting'} to down`);
      this.deps.logger.warn('instance-lost', { app: i.appName, dyno: i.name, node: i.lostWith });
      this.announce(i, 'down', wasUp ? 'up' : 'starting', 'node-lost');
    } else if (!stoppedOnPurpose) {
      const key = slotKey(i.appId, i.releaseId, i.processType, i.index);
      const upSince = this.boot.get(i.id)?.upSince;
      const wasUp = announcedUp(this.boot.get(i.id));
      // A long healthy run is forgiven even if no reconcile happened to look during it.
      if (upSince !== undefined) this.crashes.healthy(key, upSince, i.exitedAt ? Date.parse(i.exitedAt) : now);
      this.crashes.crashed(key, now);
      if (i.diskExceeded) this.deps.appLog.write(i.appId, 'berth', i.name, diskExceededLine(i.diskExceeded));
      this.deps.appLog.write(i.appId, 'berth', i.name, `Process exited with status ${i.exitCode ?? 'unknown'}`);
      this.deps.appLog.write(i.appId, 'berth', i.name, `State changed from ${wasUp ? 'up' : 'starting'} to crashed`);
      this.deps.logger.warn('instance-crashed', { app: i.appName, dyno: i.name, exitCode: i.exitCode });
      this.announce(i, 'crashed', wasUp ? 'up' : 'starting', 'exited', i.exitCode ?? null);
      if (!wasUp && i.releaseId === currentReleaseId) failures.push(`${i.name} crashed (exit code ${i.exitCode ?? 'unknown'}) before it came up`);
    }
    this.boot.delete(i.id);
    this.checks.forget(i.id);
  }

  /**
   * One slot (`web.1`) holds at most two instances at any time, those being stopped included: the
   * current release's, and while that one is not up yet, the newest older instance that is up and
   * so still serving. An older instance that never came up serves nobody; keeping it would let
   * each release made during a boot add one more instance, so it is stopped at once.
   */
  private async reconcileSlot(desired: DesiredState, slot: DesiredSlot, pass: SlotPass, now: number): Promise<number | undefined> {
    const release = desired.release!;
    const inSlot = (i: Instance) => i.processType === slot.type && i.index === slot.index;
    const mine = pass.running.filter(inSlot);
    const isCurrent = isCurrentFor(slot, release.id, this.moves);
    const current = mine.find(isCurrent);
    const older = mine.filter((i) => !isCurrent(i));
    const upOlder: Instance[] = [];
    for (const o of older) {
      if (await this.hasComeUp(o, now)) upOlder.push(o);
      else pass.abandoned.push(o);
    }
    const serving = upOlder.sort(newestFirst)[0];
    // Only the size or the node differs from what serves: a resize or a move, one slot of the type at a time.
    const resize = serving !== undefined && serving.releaseId === release.id;
    const holdOver = () => {
      if (serving) pass.keep.add(serving.id);
      if (resize) pass.resizing.add(slot.type);
      pass.superseded.push(...upOlder.filter((o) => o !== serving));
    };
    if (!current) {
      if (resize && pass.resizing.has(slot.type)) {
        holdOver(); // not this slot's turn: it keeps serving at its old size
        return undefined; // the slot being resized wakes the app until it is up
      }
      holdOver(); // keep serving until the new one is up
      const refusal = this.refused.reasonFor(slot);
      if (refusal !== undefined) {
        pass.failures.push(refusal);
        return undefined; // nothing to retry until something changes, and a change wakes the app
      }
      const notBefore = this.crashes.nextStartAt(slot.key);
      if (notBefore !== undefined && notBefore > now) return notBefore - now;
      const retryIn = this.retries.waitFor(slot.key, now);
      if (retryIn > 0) return retryIn;
      // The instances this one replaces must be gone first (their exit wakes the app again).
      if (pass.alive.some((i) => inSlot(i) && i.id !== serving?.id)) return PROBE_INTERVAL_MS;
      if (resize) this.deps.appLog.write(desired.app.id, 'berth', serving.name, this.replacementLine(serving, slot));
      try {
        await this.startInstance(desired, slot, now);
      } catch (e) {
        return this.startFailed(desired, slot, e, pass, now);
      }
      this.retries.reset(slot.key);
      return PROBE_INTERVAL_MS;
    }
    pass.keep.add(current.id);
    const state = this.boot.get(current.id) ?? this.adopt(current, now);
    if (state.upSince === undefined) {
      const listening = state.listeningSince !== undefined || !isWeb(slot.type) || (current.address !== null && (await this.deps.probe(current.address)));
      if (listening) {
        state.listeningSince ??= now;
        // app.json's startup and readiness checks, once the port is open: no traffic before they pass.
        const gate = await this.checks.gate(current, slot, ranSince(current, state), state.listeningSince, now);
        if (gate.state === 'failed') {
          pass.failures.push(this.checkFailed(current, slot, gate, now));
          pass.keep.delete(current.id);
          holdOver(); // the previous release keeps serving
          return this.crashes.nextStartAt(slot.key)! - now;
        }
        if (gate.state === 'waiting') {
          holdOver();
          return gate.wakeInMs;
        }
        state.upSince = now;
        if (isWeb(slot.type)) state.upUnrouted = true;
        else this.cameUp(current);
      } else if (now - state.startedAt >= (this.deps.bootTimeoutMs ?? 60_000)) {
        this.bootTimeout(current, slot, now);
        pass.failures.push(`${current.name} did not bind to $PORT within ${Math.round((this.deps.bootTimeoutMs ?? 60_000) / 1000)} s (R10)`);
        pass.keep.delete(current.id);
        holdOver(); // the previous release keeps serving
        return this.crashes.nextStartAt(slot.key)! - now;
      } else {
        holdOver();
        return PROBE_INTERVAL_MS;
      }
    }
    // app.json's liveness checks watch it while it is up: one failed `attempts` times in a row restarts it as a crash.
    const watch = await this.checks.watch(current, slot, ranSince(current, state), state.upSince, now);
    if (watch.state === 'failed') {
      this.checkFailed(current, slot, watch, now);
      pass.keep.delete(current.id);
      return this.crashes.nextStartAt(slot.key)! - now;
    }
    this.crashes.healthy(slot.key, state.upSince, now);
    pass.superseded.push(...upOlder);
    return watch.state === 'waiting' ? watch.wakeInMs : undefined;
  }

  /**
   * An instance that failed an app.json healthcheck is stopped and counted as a crash (restarted with
   * backoff), as one that hit R10; returns the rollout's reason, which names the check.
   */
  private checkFailed(instance: Instance, slot: DesiredSlot, step: Extract<CheckStep, { state: 'failed' }>, now: number): string {
    const { check, problem, failures } = step;
    const times = check.type === 'liveness' ? `${failures} times in a row` : `after ${failures} attempt${failures > 1 ? 's' : ''}`;
    const wasUp = announcedUp(this.boot.get(instance.id));
    this.deps.appLog.write(instance.appId, 'berth', instance.name, `${label(check)} failed ${times}: ${problem}; stopping the process`);
    this.deps.appLog.write(instance.appId, 'berth', instance.name, `State changed from ${wasUp ? 'up' : 'starting'} to crashed`);
    this.deps.logger.warn('instance-healthcheck-failed', { app: instance.appName, dyno: instance.name, check: check.name, type: check.type, problem });
    this.announce(instance, 'crashed', wasUp ? 'up' : 'starting', 'healthcheck');
    this.crashes.crashed(slot.key, now);
    this.boot.delete(instance.id);
    this.checks.forget(instance.id);
    this.stopNow(instance);
    return `${instance.name} failed its ${check.type} healthcheck ${JSON.stringify(check.name)} ${times}: ${problem}`;
  }

  /**
   * Whether an instance of an older release has come up (served). One this process started knows;
   * one adopted after a server restart is asked: a web instance that answers on its port is up.
   */
  private async hasComeUp(instance: Instance, now: number): Promise<boolean> {
    let state = this.boot.get(instance.id);
    if (!state) {
      state = this.adopt(instance, now);
      const up = !isWeb(instance.processType) || (instance.address !== null && (await this.deps.probe(instance.address)));
      if (up) state.upSince = now;
    }
    return state.upSince !== undefined;
  }

  private adopt(instance: Instance, now: number): BootState {
    const state: BootState = { startedAt: now };
    this.boot.set(instance.id, state);
    return state;
  }

  private async startInstance(desired: DesiredState, slot: DesiredSlot, now: number): Promise<void> {
    const { app, release, slug } = desired;
    const dyno = `${slot.type}.${slot.index}`;
    this.deps.appLog.write(app.id, 'berth', dyno, `Starting process with command \`${slot.command}\``);
    const instance = await this.deps.runtime.start({
      appId: app.id, appName: app.name, releaseId: release!.id, releaseVersion: release!.version,
      processType: slot.type, index: slot.index, command: slot.command, env: release!.config, slug: slug!.location, size: slot.size,
    });
    this.boot.set(instance.id, { startedAt: now });
    this.deps.output?.follow(instance, true);
    this.announce(instance, 'starting', null, null);
    this.deps.logger.info('instance-started', { app: app.name, dyno, release: release!.version, id: instance.id });
  }

  /**
   * A start the runtime refused (terminal) is shown in the rollout and the app log and not tried
   * again until the release or the formation entry changes; any other failure is tried again after
   * a growing delay.
   */
  private startFailed(desired: DesiredState, slot: DesiredSlot, error: unknown, pass: SlotPass, now: number): number | undefined {
    const { app } = desired;
    const dyno = `${slot.type}.${slot.index}`;
    const failure = classifyStartFailure(error);
    if (failure.kind === 'terminal') {
      const reason = `${slot.type} could not start: ${failure.message}`;
      this.refused.refuse(slot, reason);
      pass.failures.push(reason);
      this.deps.appLog.write(app.id, 'berth', dyno, `Could not start process: ${failure.message} (not retried until the release or the formation changes)`);
      this.deps.logger.warn('instance-start-refused', { app: app.name, dyno, error: failure.message });
      return undefined;
    }
    const delay = this.retries.failed(slot.key, now);
    this.deps.appLog.write(app.id, 'berth', dyno, `Could not start process, trying again in ${Math.ceil(delay / 1000)} s: ${failure.message}`);
    this.deps.logger.warn('instance-start-failed', { app: app.name, dyno, error: failure.message, retryInMs: delay });
    return delay;
  }

  private bootTimeout(instance: Instance, slot: DesiredSlot, now: number): void {
    const seconds = Math.round((this.deps.bootTimeoutMs ?? 60_000) / 1000);
    this.deps.appLog.write(instance.appId, 'berth', instance.name, `Error R10 (Boot timeout) -> Web process failed to bind to $PORT within ${seconds} seconds of launch`);
    this.deps.appLog.write(instance.appId, 'berth', instance.name, 'State changed from starting to crashed');
    this.deps.logger.warn('instance-boot-timeout', { app: instance.appName, dyno: instance.name });
    this.announce(instance, 'crashed', 'starting', 'boot-timeout');
    this.crashes.crashed(slot.key, now);
    this.boot.delete(instance.id);
    this.checks.forget(instance.id);
    this.stopNow(instance);
  }

  /** Routes go to each web slot's newest up instance; older ones serve only until the new one is up. */
  private publish(desired: DesiredState, running: Instance[], keep: Set<string>): void {
    const { app } = desired;
    const web = running.filter((i) => isWeb(i.processType) && keep.has(i.id) && i.address && this.boot.get(i.id)?.upSince !== undefined);
    const bySlot = new Map<number, Instance>();
    for (const i of web) {
      const best = bySlot.get(i.index);
      if (!best || newestFirst(i, best) < 0) bySlot.set(i.index, i);
    }
    const backends = [...bySlot.values()].sort((a, b) => a.index - b.index)
      .map((i) => ({ instanceId: i.id, dyno: i.name, host: i.address!.host, port: i.address!.port }));
    const webSlots = desired.slots.filter((s) => isWeb(s.type));
    const crashed = backends.length === 0 && webSlots.length > 0 && webSlots.every((s) => this.crashes.crashes(s.key) > 0);
    const route: PublishedRoute = { appId: app.id, appName: app.name, maintenance: app.maintenance, backends, crashed };
    this.deps.routes.set(route);
    for (const i of bySlot.values()) {
      const state = this.boot.get(i.id)!;
      if (!state.upUnrouted) continue;
      state.upUnrouted = false;
      this.cameUp(i);
    }
  }

  private cameUp(instance: Instance): void {
    this.deps.appLog.write(instance.appId, 'berth', instance.name, 'State changed from starting to up');
    this.announce(instance, 'up', 'starting', null);
  }

  /** Takes an instance out of service: routes already exclude it; let in-flight requests finish, then stop. */
  private retire(instance: Instance): void {
    if (this.stopping.has(instance.id)) return;
    this.stopping.add(instance.id);
    this.announce(instance, 'down', announcedUp(this.boot.get(instance.id)) ? 'up' : 'starting', 'stopped');
    const drain = isWeb(instance.processType) ? this.deps.drainMs ?? 1000 : 0;
    void this.deps.clock.sleep(drain).then(() => this.stopNow(instance, true));
  }

  /** Tells listeners (app webhooks) that an instance changed state: said here, where the state is decided. */
  private announce(i: Instance, state: DynoChange['state'], previousState: DynoChange['previousState'], reason: DynoChange['reason'], exitStatus: number | null = null): void {
    this.deps.events?.emit({
      type: 'dyno-changed', appId: i.appId,
      dyno: { id: i.id, name: i.name, type: i.processType, releaseId: i.releaseId, releaseVersion: i.releaseVersion, size: i.size, state, previousState, exitStatus, reason },
    });
  }

  /** Why a serving instance of the current release is being replaced: its size changed, or it moves to another node. */
  private replacementLine(serving: Instance, slot: DesiredSlot): string {
    const move = this.moves.moveOf(serving.id);
    return move && atSlotSize(slot, serving) ? moveLine(move) : `Restarting to change size from ${serving.size} to ${slot.size.name}`;
  }

  /** Stops an instance that never came up and is not wanted: nothing routes to it, so there is nothing to drain. */
  private abandon(instance: Instance, ofCurrentRelease: boolean): void {
    if (this.stopping.has(instance.id)) return;
    this.boot.delete(instance.id);
    this.checks.forget(instance.id);
    const move = ofCurrentRelease ? this.moves.moveOf(instance.id) : undefined;
    this.deps.appLog.write(instance.appId, 'berth', instance.name, move ? moveLine(move) : `Release v${instance.releaseVersion} was replaced before it came up`);
    this.deps.logger.info('instance-superseded-before-up', { app: instance.appName, dyno: instance.name, release: instance.releaseVersion });
    this.announce(instance, 'down', 'starting', 'stopped');
    this.stopNow(instance);
  }

  private stopNow(instance: Instance, alreadyMarked = false): void {
    if (!alreadyMarked) this.stopping.add(instance.id);
    this.deps.appLog.write(instance.appId, 'berth', instance.name, 'Stopping process');
    this.deps.runtime.stop(instance.id, { graceMs: this.deps.stopGraceMs })
      .then(() => this.deps.runtime.remove(instance.id))
      .then(() => { this.stopping.delete(instance.id); this.deps.output?.forget(instance.id); })
      .catch((e: unknown) => {
        // Forget the attempt so that the next reconcile sees the instance again and retries.
        this.stopping.delete(instance.id);
        this.deps.logger.error('instance-stop-failed', { id: instance.id, error: String(e) });
      });
  }

  private async teardown(appId: string, instances: Instance[]): Promise<ReconcileResult> {
    const name = this.names.get(appId);
    if (name) this.deps.routes.remove(name);
    this.names.delete(appId);
    this.crashes.forget(`${appId}/`);
    this.refused.forget(appId);
    let removalsFailed = false;
    for (const i of instances) {
      if (i.status === 'running') { if (!this.stopping.has(i.id)) this.stopNow(i); continue; }
      await this.deps.runtime.remove(i.id).catch((e: unknown) => {
        removalsFailed = true;
        this.deps.logger.warn('instance-remove-failed', { app: i.appName, dyno: i.name, id: i.id, error: String(e) });
      });
    }
    return removalsFailed ? { wakeInMs: this.retries.failed(`${appId}/removals`, this.deps.clock.now()) } : {};
  }

  /** The fleet's nodes changed: refused starts are tried once more. Returns the apps to wake. */
  nodesChanged(): string[] {
    return this.refused.forgetAll();
  }

  /** Stops instances so that the next reconcile starts fresh ones (not counted as crashes). */
  async restart(appId: string, name?: string): Promise<number> {
    // A restart is a user's way to say "try again": refused starts are tried once more.
    this.refused.forget(appId);
    const instances = (await this.deps.runtime.list({ appId })).filter((i) => i.status === 'running' && (!name || i.name === name || i.processType === name));
    await Promise.all(instances.map(async (i) => {
      this.stopping.add(i.id);
      await this.deps.runtime.stop(i.id, { graceMs: this.deps.stopGraceMs });
      await this.deps.runtime.remove(i.id);
      this.stopping.delete(i.id);
      this.boot.delete(i.id);
      this.checks.forget(i.id);
      this.deps.output?.forget(i.id);
    }));
    return instances.length;
  }

  /** The dynos of an app with their Heroku states. */
  async dynos(appId: string): Promise<DynoView[]> {
    const instances = await this.deps.runtime.list({ appId });
    const app = await this.deps.store.apps.byId(appId);
    const desired = app ? await readDesiredState(this.deps.store, app) : undefined;
    const views: DynoView[] = instances.map((i) => ({
      id: i.id, name: i.name, type: i.processType, command: commandOf(desired?.slug?.processTypes, i.processType) ?? '',
      // The size it runs at: during a resize, the old dynos still show their old size.
      size: i.size ?? desired?.slots.find((s) => s.type === i.processType)?.size.name ?? DEFAULT_SIZE,
      releaseId: i.releaseId, releaseVersion: i.releaseVersion, startedAt: i.startedAt,
      state: this.stateOf(i), ...(i.node ? { node: i.node } : {}),
    }));
    // Slots waiting out a crash backoff have no instance; show them as crashed, as Heroku does.
    // A slot merely between instances (after a restart) is about to start and is not shown.
    const now = this.deps.clock.now();
    for (const slot of desired?.slots ?? []) {
      const name = `${slot.type}.${slot.index}`;
      // An older release's instance of the same name may still be serving; the new release's slot is shown beside it.
      const waiting = (this.crashes.nextStartAt(slot.key) ?? now) > now || this.refused.reasonFor(slot) !== undefined;
      if (!views.some((v) => v.name === name && v.releaseId === desired!.release!.id) && waiting) {
        views.push({ id: slot.key, name, type: slot.type, command: slot.command, size: slot.size.name, releaseId: desired!.release!.id,
          releaseVersion: desired!.release!.version, startedAt: new Date(now).toISOString(), state: 'crashed' });
      }
    }
    return views.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  }

  private stateOf(i: Instance): DynoState {
    if (i.status === 'exited') return this.stopping.has(i.id) || i.lostWith !== undefined ? 'down' : 'crashed';
    if (this.stopping.has(i.id)) return 'down';
    return announcedUp(this.boot.get(i.id)) ? 'up' : 'starting';
  }
}

/** Whether the dyno has been said to be up: it served (a web one: the routes had it). */
function announcedUp(state: BootState | undefined): boolean {
  return state?.upSince !== undefined && !state.upUnrouted;
}

/** Why a runtime stopped an instance over its disk, as the app log says it (sizes in MB, as sizes are given). */
function diskExceededLine(d: { usedBytes: number; limitBytes: number }): string {
  const mb = (bytes: number) => Math.ceil(bytes / 1024 ** 2);
  return `Disk quota exceeded: its working directory held ${mb(d.usedBytes)} MB, more than its size's ${mb(d.limitBytes)} MB; stopping process`;
}
