import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../ports/logger.ts';
import type { BackgroundState } from '../../ports/services.ts';
import type { ComponentHealth } from '../../ports/platform.ts';
import type { Platform } from '../../domain/model.ts';
import type { SyllabotMetrics } from './metrics.ts';

/** What /healthz looks at; read on each request, so adapters started later are included. */
export interface HealthSources {
  /** `start` or `worker`: which kind of process answers. */
  role: string;
  store: { readonly kind: string; ping(): Promise<void> };
  /** Reminders and digests: running, paused (Redis away) or off. */
  jobs: () => BackgroundState;
  /** The platform connections of this process (none in a worker). */
  adapters: () => readonly { readonly platform: Platform; health(): ComponentHealth }[];
  /** The platforms this process delivers reminders and digests to. */
  delivers: () => readonly string[];
}

export interface ComponentReport {
  ok: boolean;
  state?: string;
  detail?: string;
}

export interface HealthReport {
  /** `down` when the store or a platform connection is: the process cannot serve its members. */
  status: 'ok' | 'down';
  role: string;
  components: Record<string, ComponentReport>;
  delivers: string[];
}

/** A store that does not answer within this is down as far as a health check can tell. */
const STORE_PING_TIMEOUT_MS = 2_000;

/**
 * Each component's state. Jobs being paused (Redis away) is reported but does not fail the
 * check: commands still work, and the jobs resume by themselves when Redis is back, so a
 * restart would not help.
 */
export async function checkHealth(sources: HealthSources, logger: Logger, pingTimeoutMs = STORE_PING_TIMEOUT_MS): Promise<HealthReport> {
  const components: Record<string, ComponentReport> = { store: await checkStore(sources.store, logger, pingTimeoutMs) };
  const jobs = sources.jobs();
  components.jobs = { ok: jobs !== 'paused', state: jobs };
  for (const adapter of sources.adapters()) {
    let health: ComponentHealth;
    try {
      health = adapter.health();
    } catch (error) {
      logger.warn({ err: error, platform: adapter.platform }, 'adapter health check failed');
      health = { ok: false, detail: 'health check failed' };
    }
    components[adapter.platform] = { ok: health.ok, ...(health.detail ? { detail: health.detail } : {}) };
  }
  const down = Object.entries(components).some(([name, c]) => name !== 'jobs' && !c.ok);
  return { status: down ? 'down' : 'ok', role: sources.role, components, delivers: [...sources.delivers()] };
}

async function checkStore(store: HealthSources['store'], logger: Logger, timeoutMs: number): Promise<ComponentReport> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const answer = await Promise.race([store.ping().then(() => 'pong' as const), timeout]);
    if (answer === 'timeout') return { ok: false, state: store.kind, detail: `no answer within ${timeoutMs} ms` };
    return { ok: true, state: store.kind };
  } catch (error) {
    // The error may name a host; it goes to the (redacted) log, not to whoever asks /healthz.
    logger.warn({ err: error, store: store.kind }, 'health check: the store did not answer');
    return { ok: false, state: store.kind, detail: 'ping failed' };
  } finally {
    clearTimeout(timer);
  }
}

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

export interface HealthServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  /** Default: every interface, so a container runtime or Prometheus on another host can reach it. */
  host?: string;
  sources: HealthSources;
  metrics: SyllabotMetrics;
  logger: Logger;
}

/**
 * GET /healthz (200 or 503 with each component's state as JSON) and GET /metrics (Prometheus
 * text format) on plain node:http. Nothing else is served; neither answer holds a secret.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const logger = options.logger.child({ component: 'health' });
  const server = createServer((req, res) => {
    void answer(req, res, options, logger).catch((error: unknown) => {
      logger.error({ err: error, path: req.url }, 'health endpoint failed');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  // A scraper that keeps a connection open must not hold up shutdown.
  server.keepAliveTimeout = 5_000;
  await listen(server, options.port, options.host);
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, paths: ['/healthz', '/metrics'] }, 'health and metrics endpoint listening');
  return {
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function answer(req: IncomingMessage, res: ServerResponse, options: HealthServerOptions, logger: Logger): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://health').pathname;
  if (path !== '/healthz' && path !== '/metrics') return send(res, 404, 'text/plain; charset=utf-8', 'not found: try /healthz or /metrics\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  }
  if (path === '/healthz') {
    const report = await checkHealth(options.sources, logger);
    return send(res, report.status === 'ok' ? 200 : 503, 'application/json; charset=utf-8', `${JSON.stringify(report)}\n`, req.method === 'HEAD');
  }
  return send(res, 200, options.metrics.contentType, await options.metrics.text(), req.method === 'HEAD');
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headOnly = false): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(headOnly ? undefined : body);
}

function listen(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      reject(new Error(error.code === 'EADDRINUSE' ? `HEALTH_PORT ${port} is already in use` : `Could not listen on HEALTH_PORT ${port}: ${error.message}`, { cause: error }));
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      // Later socket errors must not end the process; the next request simply tries again.
      server.on('error', () => undefined);
      resolve();
    });
  });
}
