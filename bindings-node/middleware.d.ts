// Types of middleware.js: request metrics for Express, Fastify and bare `http`.
import type { IncomingMessage, ServerResponse, RequestListener } from 'node:http'
import type { apm, health } from './index'

/** Records every request `app` (an Express app) handles by wrapping its `handle` once: no router layer a request; returns `app`. */
export declare function expressApp<T extends { handle: (...args: any[]) => unknown }>(app: T, metrics: apm.HttpServerMetrics): T
/** Express middleware recording every request; `app.use(express(metrics))` before the routes. */
export declare function express(metrics: apm.HttpServerMetrics): (req: any, res: any, next: (err?: unknown) => void) => void
/** Express error middleware naming a failed request's exception; after the routes. */
export declare function expressErrors(): (err: unknown, req: any, res: any, next: (err?: unknown) => void) => void
/** Adds recording hooks to a Fastify root instance; returns it. */
export declare function fastify<T extends { addHook: (...args: any[]) => unknown }>(app: T, metrics: apm.HttpServerMetrics): T
/** A bare `http` request listener that records each request. */
export declare function wrap(
  handler: (req: IncomingMessage, res: ServerResponse) => unknown,
  metrics: apm.HttpServerMetrics,
  options?: { route?: (req: IncomingMessage) => string | undefined },
): RequestListener
/** A /metrics request listener (Prometheus text or OpenMetrics), with the host's series when a collector is given. */
export declare function metricsHandler(registry?: apm.Registry, collector?: health.Collector): RequestListener
/** A /health request listener (health+json): the evaluator's checks on the collector's snapshot and each SLO's burn rate; a burning SLO never fails it. */
export declare function healthHandler(
  collector: health.Collector,
  options?: { evaluator?: health.Evaluator; slo?: apm.SloTracker },
): RequestListener
/** Records the process's runtime health (event loop, GC, heap, handles) under prom-client's names. */
export declare function runtime(registry?: apm.Registry, options?: { intervalMs?: number }): { collect(): void; stop(): void }
