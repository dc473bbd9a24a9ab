import { Counter } from 'prom-client';
import { registeredMetric } from '../projections/metrics.js';

export const relayMetrics = {
  published: registeredMetric(
    'cairn_relay_published_total',
    () =>
      new Counter({
        name: 'cairn_relay_published_total',
        help: 'Integration events published (duplicate="true": the bus already had it)',
        labelNames: ['service', 'duplicate'],
      }),
  ),
  failures: registeredMetric(
    'cairn_relay_publish_failures_total',
    () =>
      new Counter({
        name: 'cairn_relay_publish_failures_total',
        help: 'Failed publish attempts (each is retried)',
        labelNames: ['service'],
      }),
  ),
};
