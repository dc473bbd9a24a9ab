/**
 * Prometheus metrics of log followers (projections, reactors, the relay) in prom-client's default
 * registry, which the service's /metrics endpoint exposes.
 */
import { Counter, Gauge, register } from 'prom-client';

/** The metric registered under `name`, created on first use. */
export function registeredMetric<T>(name: string, create: () => T): T {
  // Registered once per process even if this module is evaluated again (tests, hot reload).
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

const labelNames = ['schema', 'projection'] as const;

export const followerMetrics = {
  handled: registeredMetric(
    'cairn_projection_events_handled_total',
    () => new Counter({ name: 'cairn_projection_events_handled_total', help: 'Events handled', labelNames }),
  ),
  lagSeconds: registeredMetric(
    'cairn_projection_lag_seconds',
    () =>
      new Gauge({
        name: 'cairn_projection_lag_seconds',
        help: 'Age of the newest event handled while behind the log; 0 once caught up',
        labelNames,
      }),
  ),
  checkpoint: registeredMetric(
    'cairn_projection_checkpoint_position',
    () =>
      new Gauge({
        name: 'cairn_projection_checkpoint_position',
        help: 'Global position (prepare part) of the checkpoint',
        labelNames,
      }),
  ),
  active: registeredMetric(
    'cairn_projection_active',
    () =>
      new Gauge({
        name: 'cairn_projection_active',
        help: '1 when this instance holds the lock and runs the projection, 0 when on standby',
        labelNames,
      }),
  ),
  failures: registeredMetric(
    'cairn_projection_failures_total',
    () =>
      new Counter({
        name: 'cairn_projection_failures_total',
        help: 'Batches that failed and will be retried',
        labelNames,
      }),
  ),
};
