// GET /metrics over plain HTTP (RocketMQ's Prometheus exporter port, metricsPromExporterPort).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { BrokerMetrics } from './broker-metrics.ts';

export class MetricsServer {
  private readonly server: http.Server;

  constructor(private readonly metrics: BrokerMetrics, private readonly log: Logger) {
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  /** Resolves with the bound port (`port` 0 = any free one). */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || (url !== '/metrics' && url !== '/')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    this.metrics.scrape().then(
      (text) => res.writeHead(200, { 'content-type': this.metrics.contentType }).end(text),
      (err: Error) => {
        this.log.warn({ err }, 'metrics scrape failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`scrape failed: ${err.message}\n`);
      },
    );
  }
}
