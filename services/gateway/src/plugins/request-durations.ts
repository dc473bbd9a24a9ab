/**
 * `http_request_duration_seconds`, the gateway's request histogram, kept by hand and served through
 * prom-client's registry. prom-client's own `Histogram.observe` validates and hashes the labels on every
 * call, several microseconds per request on the hot path; here a series is looked up once per label
 * combination and an observation is a bucket search and three additions. The exposition is the same
 * (cumulative `_bucket` lines with `le` first, then `_sum` and `_count`).
 */
import { type Metric, register } from 'prom-client';

const NAME = 'http_request_duration_seconds';
const HELP = 'HTTP request duration at the gateway, by route template, method and status';
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

type Labels = { readonly method: string; readonly route: string; readonly status_code: string };

export class DurationSeries {
  /** Per bucket, observations at most its bound (not cumulative; summed on export); the last is +Inf. */
  readonly counts = new Float64Array(BUCKETS.length + 1);
  sum = 0;
  count = 0;

  constructor(readonly labels: Labels) {}

  observe(seconds: number): void {
    let i = 0;
    while (i < BUCKETS.length && seconds > BUCKETS[i]!) i++;
    this.counts[i]! += 1;
    this.sum += seconds;
    this.count += 1;
  }
}

export class RequestDurations {
  readonly name = NAME;
  readonly help = HELP;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, DurationSeries>();

  /** The series of one label combination, made on first use. */
  of(method: string, route: string, status: number): DurationSeries {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (series === undefined) {
      series = new DurationSeries({ method, route, status_code: String(status) });
      this.series.set(key, series);
    }
    return series;
  }

  /** What prom-client's registry asks every metric for when it is scraped. */
  async get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const series of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i < BUCKETS.length; i++) {
        cumulative += series.counts[i]!;
        values.push({ labels: { le: BUCKETS[i]!, ...series.labels }, value: cumulative, metricName: `${NAME}_bucket` });
      }
      values.push({ labels: { le: '+Inf', ...series.labels }, value: series.count, metricName: `${NAME}_bucket` });
      values.push({ labels: { ...series.labels }, value: series.sum, metricName: `${NAME}_sum` });
      values.push({ labels: { ...series.labels }, value: series.count, metricName: `${NAME}_count` });
    }
    return { name: NAME, help: HELP, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.series.clear();
  }
}

/** prom-client's default registry is process-wide: reuse what an earlier gateway (or test) registered. */
export function requestDurations(): RequestDurations {
  const existing = register.getSingleMetric(NAME);
  if (existing instanceof RequestDurations) return existing;
  if (existing !== undefined) register.removeSingleMetric(NAME);
  const durations = new RequestDurations();
  // Structurally what the registry reads (name, help, type, get, reset); its types list only its own classes.
  register.registerMetric(durations as unknown as Metric);
  return durations;
}
