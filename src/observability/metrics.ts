import { collectDefaultMetrics, Registry } from 'prom-client';

// The process's own metrics, shown by every scrape; what the service's runs add to them is
// src/runs/service-metrics.ts.

/** Every metric name of the service starts with this. */
export const PREFIX = 'sockbench_';

let processMetrics: Registry | undefined;

/**
 * Process metrics describe the process, not one app, and each collection starts a GC observer
 * and an event-loop monitor that nothing stops: so they are collected once per process and
 * shown by every app (tests build many apps in one process).
 */
export function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics, prefix: PREFIX });
    // prom-client names three gauges `*_total`, which Prometheus keeps for counters (promtool
    // check metrics flags them). Each is the sum of the per-type gauge beside it
    // (nodejs_active_handles{type} and so on), so nothing is lost without them.
    for (const gauge of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      processMetrics.removeSingleMetric(PREFIX + gauge);
    }
  }
  return processMetrics;
}
