// The Prometheus view of Berth (`GET /metrics`): a MetricsRecorder that keeps running totals per app
// and per instance, keyed by id, and writes them out under the apps' current names at each scrape,
// so a renamed app shows under its new name and a destroyed one (forgetApp, or a name lookup that
// finds nothing) leaves no series behind. Platform counters and Berth's own process metrics are
// prom-client's. One Registry of its own: nothing else in the process can add to or clash with it.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LATENCY_BUCKETS_MS, type DrainCounts, type InstanceSample, type MetricsRecorder, type PlatformMeasurement, type RouterMinute, type StatusClass } from '../domain/metric-samples.js';
import type { Clock } from '../platform/clock.js';
import { PresummedHistogram } from './presummed-histogram.js';

export interface PrometheusExpositionOptions {
  /** The current names of these apps; an id missing from the answer is an app that is gone. */
  appNames(appIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
  clock: Clock;
  /** An instance not sampled for this long has stopped (scaled away, replaced): its series go. Default 5 minutes. */
  instanceStaleMs?: number;
  /** prom-client's default `process_*` and `nodejs_*` metrics of Berth's own process. Default on. */
  processMetrics?: boolean;
  /** Each log drain's counts, read at each scrape from the deliveries that keep them. None by default. */
  drains?: () => readonly DrainCounts[];
}

/** Seconds, Prometheus's base unit for time: the build duration buckets (a build takes seconds to many minutes). */
const BUILD_BUCKETS_S = [5, 10, 30, 60, 120, 300, 600, 1200, 1800];
/** The peak concurrency shown is that of the latest minute reported, while it is this recent; 0 after. */
const PEAK_FRESH_MS = 2 * 60_000;

interface AppTotals {
  requests: Partial<Record<StatusClass, number>>;
  errors: Record<string, number>;
  latencyBuckets: number[];
  latencySumMs: number;
  bytesIn: number;
  bytesOut: number;
  peakMinute: number;
  peak: number;
}

type WebhookResult = Extract<PlatformMeasurement, { kind: 'webhook-attempt' }>['result'];

export class PrometheusExposition implements MetricsRecorder {
  readonly contentType: string;
  private readonly registry = new Registry();
  private readonly apps = new Map<string, AppTotals>();
  /** The latest sample of each instance, by app id and dyno. */
  private readonly instances = new Map<string, InstanceSample>();
  /** Webhook attempts by app id and result. */
  private readonly webhooks = new Map<string, Partial<Record<WebhookResult, number>>>();

  private readonly requests: Counter<'app' | 'status_class'>;
  private readonly routerErrors: Counter<'app' | 'code'>;
  private readonly latency: PresummedHistogram;
  private readonly bytesIn: Counter<'app'>;
  private readonly bytesOut: Counter<'app'>;
  private readonly concurrent: Gauge<'app'>;
  private readonly cpu: Gauge<'app' | 'process_type' | 'dyno'>;
  private readonly rss: Gauge<'app' | 'process_type' | 'dyno'>;
  private readonly memoryLimit: Gauge<'app' | 'process_type' | 'dyno'>;
  private readonly restarts: Counter<'app' | 'process_type' | 'dyno'>;
  private readonly builds: Counter<'outcome'>;
  private readonly buildDuration: Histogram;
  private readonly reconcileErrors: Counter;
  private readonly webhookAttempts: Counter<'app' | 'result'>;
  private readonly drainSent: Counter<'app' | 'drain'>;
  private readonly drainDropped: Counter<'app' | 'drain'>;
  private readonly drainBuffered: Gauge<'app' | 'drain'>;

  constructor(private readonly o: PrometheusExpositionOptions) {
    const registers = [this.registry];
    this.contentType = this.registry.contentType;
    this.requests = new Counter({ name: 'berth_app_requests_total', help: 'Requests the router answered for the app, by the status class the client saw.', labelNames: ['app', 'status_class'], registers });
    this.routerErrors = new Counter({ name: 'berth_app_router_errors_total', help: 'Requests that ended in a Heroku router error (H10, H12, ...), by code.', labelNames: ['app', 'code'], registers });
    this.latency = new PresummedHistogram('berth_app_request_duration_seconds', 'Time from the router receiving a request to its end, seconds.', LATENCY_BUCKETS_MS.map((ms) => ms / 1000), this.registry);
    this.bytesIn = new Counter({ name: 'berth_app_bytes_in_total', help: 'Bytes the router read from clients for the app.', labelNames: ['app'], registers });
    this.bytesOut = new Counter({ name: 'berth_app_bytes_out_total', help: 'Response body bytes the router sent to clients for the app.', labelNames: ['app'], registers });
    this.concurrent = new Gauge({ name: 'berth_app_concurrent_requests', help: 'The most requests of the app in flight at once during the latest reported minute.', labelNames: ['app'], registers });
    const instanceLabels = ['app', 'process_type', 'dyno'] as const;
    this.cpu = new Gauge({ name: 'berth_instance_cpu_percent', help: "CPU used by the instance, percent of its size's share.", labelNames: instanceLabels, registers });
    this.rss = new Gauge({ name: 'berth_instance_memory_rss_bytes', help: 'Resident memory of the instance, bytes.', labelNames: instanceLabels, registers });
    this.memoryLimit = new Gauge({ name: 'berth_instance_memory_limit_bytes', help: "The instance's memory limit from its size, bytes.", labelNames: instanceLabels, registers });
    this.restarts = new Counter({ name: 'berth_instance_restarts_total', help: 'Restarts of this dyno slot (crash restarts and replacements).', labelNames: instanceLabels, registers });
    this.builds = new Counter({ name: 'berth_builds_total', help: 'Builds that ended, by outcome.', labelNames: ['outcome'], registers });
    this.buildDuration = new Histogram({ name: 'berth_build_duration_seconds', help: 'How long builds took, seconds.', buckets: BUILD_BUCKETS_S, registers });
    this.reconcileErrors = new Counter({ name: 'berth_reconcile_errors_total', help: 'Reconcile passes of an app that ended in an error.', registers });
    this.webhookAttempts = new Counter({ name: 'berth_webhook_attempts_total', help: "Attempts to send the app's webhook deliveries, by result: succeeded, retrying (failed, tried again later) or failed (failed, not tried again).", labelNames: ['app', 'result'], registers });
    const drainLabels = ['app', 'drain'] as const;
    this.drainSent = new Counter({ name: 'berth_drain_lines_sent_total', help: 'Log lines the drain accepted, since the server started.', labelNames: drainLabels, registers });
    this.drainDropped = new Counter({ name: 'berth_drain_lines_dropped_total', help: 'Log lines dropped because the drain was down or slow and its buffer full (each run reported as Error L10), since the server started.', labelNames: drainLabels, registers });
    this.drainBuffered = new Gauge({ name: 'berth_drain_lines_buffered', help: 'Log lines waiting to be sent to the drain.', labelNames: drainLabels, registers });
    if (o.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  instance(s: InstanceSample): void {
    this.instances.set(`${s.appId} ${s.dyno}`, s);
  }

  routerMinute(m: RouterMinute): void {
    let t = this.apps.get(m.appId);
    if (!t) {
      t = { requests: {}, errors: {}, latencyBuckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0), latencySumMs: 0, bytesIn: 0, bytesOut: 0, peakMinute: 0, peak: 0 };
      this.apps.set(m.appId, t);
    }
    for (const [c, n] of Object.entries(m.statusClasses) as Array<[StatusClass, number]>) t.requests[c] = (t.requests[c] ?? 0) + n;
    for (const [code, n] of Object.entries(m.errorCodes)) t.errors[code] = (t.errors[code] ?? 0) + n;
    m.latencyBuckets.forEach((n, i) => (t.latencyBuckets[i] = (t.latencyBuckets[i] ?? 0) + n));
    t.latencySumMs += m.latencySumMs;
    t.bytesIn += m.bytesIn;
    t.bytesOut += m.bytesOut;
    // A minute may come in parts (and late): the latest minute's peak is the largest of its parts.
    if (m.minute > t.peakMinute) Object.assign(t, { peakMinute: m.minute, peak: m.peakConcurrent });
    else if (m.minute === t.peakMinute) t.peak = Math.max(t.peak, m.peakConcurrent);
  }

  platform(p: PlatformMeasurement): void {
    if (p.kind === 'build') {
      this.builds.inc({ outcome: p.outcome });
      this.buildDuration.observe(p.durationMs / 1000);
    } else if (p.kind === 'webhook-attempt') {
      const attempts = this.webhooks.get(p.appId) ?? {};
      attempts[p.result] = (attempts[p.result] ?? 0) + 1;
      this.webhooks.set(p.appId, attempts);
    } else {
      this.reconcileErrors.inc();
    }
  }

  /** The app is destroyed: its series go now, not at some later scrape. */
  forgetApp(appId: string): void {
    this.apps.delete(appId);
    this.webhooks.delete(appId);
    for (const [key, s] of this.instances) if (s.appId === appId) this.instances.delete(key);
  }

  /** The exposition text of everything, under the apps' names as they are now. */
  async text(): Promise<string> {
    const drains = this.o.drains?.() ?? [];
    const ids = new Set([...this.apps.keys(), ...this.webhooks.keys(), ...[...this.instances.values()].map((s) => s.appId), ...drains.map((d) => d.appId)]);
    const names = await this.o.appNames([...ids]);
    for (const id of ids) if (!names.has(id)) this.forgetApp(id);
    this.writeApps(names);
    this.writeInstances(names);
    this.writeDrains(drains, names);
    return this.registry.metrics();
  }

  // Rewritten whole at each scrape (synchronously: no measurement lands halfway), from the totals.
  private writeApps(names: ReadonlyMap<string, string>): void {
    for (const m of [this.requests, this.routerErrors, this.latency, this.bytesIn, this.bytesOut, this.concurrent, this.webhookAttempts]) m.reset();
    const now = this.o.clock.now();
    for (const [id, t] of this.apps) {
      const app = names.get(id)!;
      for (const [statusClass, n] of Object.entries(t.requests)) this.requests.inc({ app, status_class: statusClass }, n);
      for (const [code, n] of Object.entries(t.errors)) this.routerErrors.inc({ app, code }, n);
      this.latency.set({ app }, t.latencyBuckets, t.latencySumMs / 1000);
      this.bytesIn.inc({ app }, t.bytesIn);
      this.bytesOut.inc({ app }, t.bytesOut);
      // peakMinute is the minute's start: fresh while that minute ended less than PEAK_FRESH_MS ago.
      this.concurrent.set({ app }, now - t.peakMinute <= PEAK_FRESH_MS + 60_000 ? t.peak : 0);
    }
    for (const [id, attempts] of this.webhooks) {
      for (const [result, n] of Object.entries(attempts)) this.webhookAttempts.inc({ app: names.get(id)!, result }, n);
    }
  }

  private writeDrains(drains: readonly DrainCounts[], names: ReadonlyMap<string, string>): void {
    for (const m of [this.drainSent, this.drainDropped, this.drainBuffered]) m.reset();
    for (const d of drains) {
      const app = names.get(d.appId);
      if (app === undefined) continue; // destroyed while its delivery winds down
      const labels = { app, drain: d.token };
      this.drainSent.inc(labels, d.sent);
      this.drainDropped.inc(labels, d.dropped);
      this.drainBuffered.set(labels, d.buffered);
    }
  }

  private writeInstances(names: ReadonlyMap<string, string>): void {
    for (const m of [this.cpu, this.rss, this.memoryLimit, this.restarts]) m.reset();
    const oldest = this.o.clock.now() - (this.o.instanceStaleMs ?? 5 * 60_000);
    for (const [key, s] of this.instances) {
      if (s.at < oldest) {
        this.instances.delete(key);
        continue;
      }
      const labels = { app: names.get(s.appId)!, process_type: s.processType, dyno: s.dyno };
      this.cpu.set(labels, s.cpuPercent);
      this.rss.set(labels, s.memoryRssBytes);
      this.memoryLimit.set(labels, s.memoryLimitBytes);
      this.restarts.inc(labels, s.restarts);
    }
  }
}
