/**
 * The server's Prometheus metrics in the text exposition format (version 0.0.4), kept by
 * hand: a handful of counters and histograms do not justify a client library. Labels are
 * bounded: routes are templates, classes come from the model. The process and Node.js
 * runtime metrics use prom-client's names, so dashboards made for prom-client read them.
 */
import { constants, monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import type { ModelBundle } from '../ml/bundle-format.js';
import type { PredictionResult } from './predictor.js';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function labels(pairs: Readonly<Record<string, string>>): string {
  const parts = Object.entries(pairs).map(([key, value]) => `${key}="${escapeLabel(value)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function number(value: number): string {
  if (value === Infinity) return '+Inf';
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}

export class Histogram {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(readonly buckets: readonly number[]) {
    this.counts = new Float64Array(buckets.length);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let k = 0; k < this.buckets.length; k++) {
      if (value <= this.buckets[k]!) {
        this.counts[k]!++;
        break;
      }
    }
  }
  render(name: string, pairs: Readonly<Record<string, string>>, out: string[]): void {
    let cumulative = 0;
    this.buckets.forEach((le, k) => {
      cumulative += this.counts[k]!;
      out.push(`${name}_bucket${labels({ ...pairs, le: number(le) })} ${cumulative}`);
    });
    out.push(`${name}_bucket${labels({ ...pairs, le: '+Inf' })} ${this.count}`);
    out.push(`${name}_sum${labels(pairs)} ${number(this.sum)}`);
    out.push(`${name}_count${labels(pairs)} ${this.count}`);
  }
}

/** Buckets for predicted values: the training target's mean ± up to 3 standard deviations. */
function valueBuckets(bundle: ModelBundle): number[] {
  const { mean, std } = bundle.targetScaling ?? { mean: 0, std: 1 };
  const steps = [-3, -2, -1, -0.5, 0, 0.5, 1, 2, 3];
  const values = steps.map((k) => Number((mean + k * (std > 0 ? std : 1)).toPrecision(4)));
  return [...new Set(values)].sort((a, b) => a - b);
}

const GC_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];
const GC_KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/**
 * Process-wide runtime measurements, started once per process (a model swap keeps them):
 * event-loop delay sampled by libuv every 10 ms, and garbage-collection pauses from the
 * performance timeline. Nothing runs per request; the cost is paid at each scrape.
 */
class RuntimeMetrics {
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly gc = new Map<string, Histogram>(Object.values(GC_KINDS).map((kind) => [kind, new Histogram(GC_BUCKETS)]));
  /** Start of the process, not of the server: a model swap does not restart the process. */
  private readonly started = Date.now() / 1000 - process.uptime();

  constructor() {
    this.loopDelay.enable();
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = GC_KINDS[(entry as { detail?: { kind?: number } }).detail?.kind ?? -1];
        if (kind) this.gc.get(kind)!.observe(entry.duration / 1000);
      }
    });
    observer.observe({ entryTypes: ['gc'] });
  }

  render(out: string[], head: (name: string, type: string, help: string) => void): void {
    const cpu = process.cpuUsage();
    head('process_cpu_user_seconds_total', 'counter', 'User CPU time spent in seconds.');
    out.push(`process_cpu_user_seconds_total ${number(cpu.user / 1e6)}`);
    head('process_cpu_system_seconds_total', 'counter', 'System CPU time spent in seconds.');
    out.push(`process_cpu_system_seconds_total ${number(cpu.system / 1e6)}`);
    head('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.');
    out.push(`process_cpu_seconds_total ${number((cpu.user + cpu.system) / 1e6)}`);

    const memory = process.memoryUsage();
    head('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.');
    out.push(`process_resident_memory_bytes ${memory.rss}`);
    head('nodejs_heap_size_total_bytes', 'gauge', 'Process heap size from Node.js in bytes.');
    out.push(`nodejs_heap_size_total_bytes ${memory.heapTotal}`);
    head('nodejs_heap_size_used_bytes', 'gauge', 'Process heap size used from Node.js in bytes.');
    out.push(`nodejs_heap_size_used_bytes ${memory.heapUsed}`);
    head('nodejs_external_memory_bytes', 'gauge', 'Node.js external memory size in bytes (includes TF.js tensors on the CPU and WASM backends).');
    out.push(`nodejs_external_memory_bytes ${memory.external}`);
    head('process_start_time_seconds', 'gauge', 'Start time of the process since the Unix epoch in seconds.');
    out.push(`process_start_time_seconds ${number(this.started)}`);

    // Event-loop delay since the previous scrape (prom-client resets it the same way); 0 before any sample.
    const delay = this.loopDelay;
    const seconds = (nanoseconds: number) => (delay.count > 0 && Number.isFinite(nanoseconds) ? number(nanoseconds / 1e9) : '0');
    const lag: [string, number, string][] = [
      ['min', delay.min, 'The minimum'],
      ['max', delay.max, 'The maximum'],
      ['mean', delay.mean, 'The mean'],
      ['p50', delay.percentile(50), 'The 50th percentile of the'],
      ['p90', delay.percentile(90), 'The 90th percentile of the'],
      ['p99', delay.percentile(99), 'The 99th percentile of the'],
    ];
    for (const [stat, value, help] of lag) {
      head(`nodejs_eventloop_lag_${stat}_seconds`, 'gauge', `${help} event loop delay since the previous scrape, in seconds.`);
      out.push(`nodejs_eventloop_lag_${stat}_seconds ${seconds(value)}`);
    }
    delay.reset();

    head('nodejs_gc_duration_seconds', 'histogram', 'Garbage collection duration by kind, one of minor, major, incremental or weakcb.');
    for (const [kind, histogram] of this.gc) histogram.render('nodejs_gc_duration_seconds', { kind }, out);
  }
}

let runtime: RuntimeMetrics | null = null;

export interface ModelInfo {
  readonly name: string;
  readonly version: string;
  readonly backend: string;
  readonly lineage: Readonly<Record<string, string>>;
}

export class ServerMetrics {
  private readonly requests = new Map<string, { route: string; method: string; status: string; count: number }>();
  private readonly latency = new Map<string, Histogram>();
  private readonly batchRows = new Histogram(BATCH_BUCKETS);
  private readonly classCounts: Float64Array;
  private readonly values: Histogram | null;
  private rows = 0;
  inFlight = 0;
  private readonly runtime: RuntimeMetrics;

  constructor(
    private readonly bundle: ModelBundle,
    private readonly info: ModelInfo,
  ) {
    this.runtime = runtime ??= new RuntimeMetrics();
    this.classCounts = new Float64Array(bundle.classes?.length ?? 0);
    this.values = bundle.task === 'regression' ? new Histogram(valueBuckets(bundle)) : null;
  }

  request(route: string, method: string, status: number, seconds: number): void {
    const key = `${route} ${method} ${status}`;
    const entry = this.requests.get(key);
    if (entry) entry.count++;
    else this.requests.set(key, { route, method, status: String(status), count: 1 });
    let histogram = this.latency.get(route);
    if (!histogram) this.latency.set(route, (histogram = new Histogram(LATENCY_BUCKETS)));
    histogram.observe(seconds);
  }

  /** Rows sent through the network in one call (shows how requests were batched). */
  modelCall(rows: number): void {
    this.batchRows.observe(rows);
  }

  predictions(result: PredictionResult): void {
    this.rows += result.rows;
    if (result.classIndex) for (const index of result.classIndex) this.classCounts[index]!++;
    else for (const value of result.predictions) this.values?.observe(value as number);
  }

  render(): string {
    const out: string[] = [];
    const model = this.info.name;
    const head = (name: string, type: string, help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

    head('tensorloom_model_info', 'gauge', 'The served model: name, version, task, compute backend and lineage.');
    out.push(`tensorloom_model_info${labels({ model, version: this.info.version, task: this.bundle.task, backend: this.info.backend, ...this.info.lineage })} 1`);

    head('tensorloom_requests_total', 'counter', 'HTTP requests by route template, method and status code.');
    for (const entry of this.requests.values()) out.push(`tensorloom_requests_total${labels({ route: entry.route, method: entry.method, status: entry.status })} ${entry.count}`);

    head('tensorloom_request_duration_seconds', 'histogram', 'Time from request start to the last byte of the response, by route template.');
    for (const [route, histogram] of this.latency) histogram.render('tensorloom_request_duration_seconds', { route }, out);

    head('tensorloom_requests_in_flight', 'gauge', 'Requests being answered now.');
    out.push(`tensorloom_requests_in_flight ${this.inFlight}`);

    head('tensorloom_predicted_rows_total', 'counter', 'Rows predicted.');
    out.push(`tensorloom_predicted_rows_total${labels({ model })} ${this.rows}`);

    if (this.bundle.task === 'classification') {
      head('tensorloom_predictions_total', 'counter', 'Predicted rows by predicted class.');
      (this.bundle.classes ?? []).forEach((label, k) => out.push(`tensorloom_predictions_total${labels({ model, class: label })} ${this.classCounts[k]}`));
    } else {
      head('tensorloom_prediction_value', 'histogram', 'Predicted values (buckets around the training target mean).');
      this.values!.render('tensorloom_prediction_value', { model }, out);
    }

    head('tensorloom_model_batch_rows', 'histogram', 'Rows per model call; requests arriving together are predicted in one call.');
    this.batchRows.render('tensorloom_model_batch_rows', { model }, out);

    this.runtime.render(out, head);
    return out.join('\n') + '\n';
  }
}
