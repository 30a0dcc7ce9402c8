/**
 * GET /metrics, written once: the admission port's express app and the plain-HTTP metrics port
 * both answer with serveMetrics. They differ only in what a failed collection becomes, which each
 * port decides.
 */
import type { RequestListener, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';

/** Writes the registry in the Prometheus text format; `fail` gets the error when collecting fails. */
export function serveMetrics(metrics: Metrics, res: ServerResponse, fail: (error: unknown) => void): void {
  metrics.registry.metrics().then((text) => {
    res.writeHead(200, { 'content-type': metrics.registry.contentType });
    res.end(text);
  }, fail);
}

/** True for /metrics with or without a query string. */
function isMetricsPath(url: string | undefined): boolean {
  return url === '/metrics' || (url !== undefined && url.startsWith('/metrics?'));
}

/** The plain-HTTP listener of the metrics port: GET /metrics only, an empty 500 when collecting fails. */
export function metricsListener(metrics: Metrics): RequestListener {
  return (req, res) => {
    if (req.method !== 'GET' || !isMetricsPath(req.url)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics is served on this port\n');
      return;
    }
    serveMetrics(metrics, res, () => res.writeHead(500).end());
  };
}
