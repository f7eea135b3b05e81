import { release } from 'node:os';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PATTERNS } from '../bench/index.js';
import { PREFIX, processRegistry } from '../observability/metrics.js';
import { TRANSPORTS } from '../options/types.js';
import type { RunView } from './registry.js';
import { METRIC_NAMES, metricsOf, type MetricName } from './metrics.js';
import { transportAndPattern, type Runs } from './runs.js';

/** From a 0.1 s benchmark to a sweep of many points (10 min). */
const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** The gauge of each figure, in Prometheus base units: `divisor` turns the result's unit into it. */
const LAST_GAUGES: Record<MetricName, { name: string; help: string; divisor: number }> = {
  // Prometheus' base unit for data is the byte (promtool check metrics flags `bits`).
  bitsPerSecond: { name: 'last_bytes_per_second', help: 'Throughput of the latest finished benchmark, in bytes per second (the result\'s bitsPerSecond / 8)', divisor: 8 },
  transactionsPerSecond: { name: 'last_transactions_per_second', help: 'Transaction rate of the latest finished benchmark', divisor: 1 },
  latencyP50Micros: { name: 'last_latency_p50_seconds', help: 'Median latency of the latest finished benchmark', divisor: 1e6 },
  latencyP99Micros: { name: 'last_latency_p99_seconds', help: '99th percentile latency of the latest finished benchmark', divisor: 1e6 },
  lossRatio: { name: 'last_loss_ratio', help: 'Datagram loss (lost/sent) of the latest finished benchmark', divisor: 1 },
  clientCpuMsPerGigabyte: { name: 'last_client_cpu_seconds_per_gigabyte', help: 'Client CPU time per 10^9 bytes moved in the latest finished stream benchmark', divisor: 1e3 },
  serverCpuMsPerGigabyte: { name: 'last_server_cpu_seconds_per_gigabyte', help: 'Server CPU time per 10^9 bytes moved in the latest finished stream benchmark', divisor: 1e3 },
};

type Where = { transport: string; pattern: string };
type RunLabels = Where & { kind: string; status: string };

function whereOf(config: unknown): Where {
  const { transport, pattern } = transportAndPattern(config);
  return { transport: transport ?? 'unknown', pattern: pattern ?? 'unknown' };
}

/**
 * What a Prometheus scrape of this host shows: runs counted and timed by kind, transport,
 * pattern and final status, the runs waiting and running, and the figures of the latest
 * finished benchmark per transport and pattern, so that a fleet's hosts line up side by side.
 * Its own registry (beside the shared process metrics) keeps apps in one process apart.
 */
export class ServiceMetrics {
  readonly #register = new Registry();
  /**
   * What a scrape shows: this app's metrics and the process's. A merged registry holds the same
   * metric objects, so it stays current; it is built once every metric is registered.
   */
  readonly #scraped: Registry;
  readonly #runsTotal: Counter<keyof RunLabels>;
  readonly #duration: Histogram<keyof RunLabels>;
  readonly #last: Record<MetricName, Gauge<keyof Where>>;
  readonly #lastAt: Gauge<keyof Where>;
  readonly #peerRejected: Counter<'reason'>;

  /** `shown`: more registries a scrape shows (this host's settings, which the runs know nothing of). */
  constructor(private readonly runs: Runs, version: string, private readonly onError: (err: unknown, runId?: string) => void, shown: Registry[] = []) {
    const registers = [this.#register];
    const runLabels: Array<keyof RunLabels> = ['kind', 'transport', 'pattern', 'status'];
    const where: Array<keyof Where> = ['transport', 'pattern'];
    this.#runsTotal = new Counter({ name: `${PREFIX}runs_total`, help: 'Runs finished (done, failed or cancelled) since the service started', labelNames: runLabels, registers });
    this.#duration = new Histogram({ name: `${PREFIX}run_duration_seconds`, help: 'Time from start to end of finished runs (runs cancelled while queued never started)', labelNames: runLabels, buckets: DURATION_BUCKETS, registers });
    new Gauge({
      name: `${PREFIX}runs_in_progress`, help: 'Runs queued and running now', labelNames: ['status'], registers,
      collect() {
        this.set({ status: 'queued' }, runs.registry.queued);
        this.set({ status: 'running' }, runs.registry.busy ? 1 : 0);
      },
    });
    this.#last = Object.fromEntries(METRIC_NAMES.map((m) => [m, new Gauge({ name: PREFIX + LAST_GAUGES[m].name, help: LAST_GAUGES[m].help, labelNames: where, registers })])) as Record<MetricName, Gauge<keyof Where>>;
    this.#peerRejected = new Counter({
      name: `${PREFIX}peer_rejected_connections_total`, registers, labelNames: ['reason'],
      help: 'Data connections (or datagrams) a peer session refused: wrong-key, no-key (nothing sent in time), replayed (the session already had its connection)',
    });
    this.#lastAt = new Gauge({ name: `${PREFIX}last_run_timestamp_seconds`, help: 'When the latest finished benchmark ended (Unix time)', labelNames: where, registers });
    new Gauge({ name: `${PREFIX}info`, help: 'The sockbench version and the kernel it measures', labelNames: ['version', 'kernel'], registers })
      .set({ version, kernel: release() }, 1);
    // Taken at construction: process CPU time counts from the first collection on.
    this.#scraped = Registry.merge([processRegistry(), this.#register, ...shown]);
    this.#seedLast();
    runs.events.on('change', this.#onChange);
  }

  get contentType(): string {
    return this.#register.contentType;
  }

  /** The exposition text of one scrape. */
  async text(): Promise<string> {
    // prom-client writes NaN as "Nan" (lib/util.js); the exposition format spells it "NaN". A lag
    // mean with no sample yet (two scrapes close together) is NaN.
    return (await this.#scraped.metrics()).replace(/ Nan$/gm, ' NaN');
  }

  /** A peer session closed a data connection that did not present its key. */
  peerRejected(reason: string): void {
    this.#peerRejected.inc({ reason });
  }

  close(): void {
    this.runs.events.off('change', this.#onChange);
  }

  /** The history already holds the latest figures; without them a restart would blank the dashboards. */
  #seedLast(): void {
    for (const transport of TRANSPORTS) {
      for (const pattern of PATTERNS) {
        const { documents } = this.runs.store.listRuns({ kind: 'benchmark', status: 'done', transport, pattern, limit: 1, offset: 0 });
        const newest = documents[0] as RunView<unknown, unknown> | undefined;
        if (newest?.finishedAt) this.#setLast(newest, newest.finishedAt);
      }
    }
  }

  // The registry emits the view with finishedAt set exactly once (in #finish), so each run counts once.
  readonly #onChange = (view: RunView<unknown, unknown>): void => {
    if (view.finishedAt === null) return;
    // This runs inside the registry's persist, before the run is stored: a metric must never break a run.
    try {
      this.#finished(view, view.finishedAt);
    } catch (err) {
      this.onError(err, view.id);
    }
  };

  #finished(view: RunView<unknown, unknown>, finishedAt: string): void {
    const labels: RunLabels = { kind: view.kind, ...whereOf(view.config), status: view.status };
    this.#runsTotal.inc(labels);
    if (view.startedAt !== null) this.#duration.observe(labels, (Date.parse(finishedAt) - Date.parse(view.startedAt)) / 1000);
    if (view.kind === 'benchmark' && view.status === 'done') this.#setLast(view, finishedAt);
  }

  /** Sets every figure of one run; a figure it lacks is removed, so that no gauge shows an older run's. */
  #setLast(view: RunView<unknown, unknown>, finishedAt: string): void {
    const where = whereOf(view.config);
    const figures = metricsOf((view.result as { summary?: unknown } | null)?.summary);
    for (const name of METRIC_NAMES) {
      const value = figures[name];
      if (typeof value === 'number') this.#last[name].set(where, value / LAST_GAUGES[name].divisor);
      else this.#last[name].remove(where);
    }
    this.#lastAt.set(where, Date.parse(finishedAt) / 1000);
  }
}
