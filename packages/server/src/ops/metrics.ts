/**
 * Prometheus metrics of one server (prom-client, a registry per server).
 * The request path only bumps plain numbers (an array slot per operation ×
 * status, a few fields); prom-client reads them when `/metrics` is scraped,
 * so no label set is hashed or built per request. Commit groups are
 * observed per group, not per write.
 *
 * prom-client (with the OpenTelemetry API it loads, ~30 modules) is required
 * on first need (a scrape, a commit, a sweep), not at startup: a restarting
 * server answers its first read without compiling it. The process metrics
 * (`durastream_process_*`: CPU, memory, GC, event-loop lag) start then.
 */

import { createRequire } from "node:module";
import type { Counter, Histogram, Registry } from "prom-client";

type PromClient = typeof import("prom-client");

/** The metrics prom-client keeps itself (observed, not read on scrape). */
interface Observed {
  readonly registry: Registry;
  readonly commitGroupSize: Histogram;
  readonly fsyncSeconds: Histogram;
  readonly sweeps: Counter;
  readonly expiredStreams: Counter;
}

/** Operations requests are counted by. */
export const REQUEST_OPERATIONS = [
  "create",
  "append",
  "read",
  "read_long_poll",
  "read_sse",
  "head",
  "delete",
  "preflight",
  "reserved",
  "other",
] as const;

/** One of {@link REQUEST_OPERATIONS}. */
export type RequestOperation = (typeof REQUEST_OPERATIONS)[number];

/** Index of each operation in the per-status count arrays. */
export const OPERATION_INDEX: Readonly<Record<RequestOperation, number>> = Object.fromEntries(
  REQUEST_OPERATIONS.map((operation, i) => [operation, i]),
) as Record<RequestOperation, number>;

const STATUS_SLOTS = 600;

/** Live readers by mode. */
export type LiveMode = "long_poll" | "sse";

/** Read bytes by how they were read. */
export type ReadMode = "catch_up" | "long_poll" | "sse";

/** Counters the server bumps, exported on scrape. */
export class ServerMetrics {
  /** Requests per operation × status: `requests[operation][status]`. */
  readonly requests: Float64Array[] = REQUEST_OPERATIONS.map(() => new Float64Array(STATUS_SLOTS));
  appendBytes = 0;
  readonly readBytes: Record<ReadMode, number> = { catch_up: 0, long_poll: 0, sse: 0 };
  readonly liveReaders: Record<LiveMode, number> = { long_poll: 0, sse: 0 };
  readonly rejected = new Map<string, number>();
  readonly #streamCount: (() => number) | null;
  #observed: Observed | undefined;

  /** @param streamCount how many streams exist, read on scrape (null: not exported) */
  constructor(streamCount: (() => number) | null) {
    this.#streamCount = streamCount;
  }

  /** The Prometheus registry (prom-client is loaded on the first call). */
  get registry(): Registry {
    return this.#prom().registry;
  }

  #prom(): Observed {
    this.#observed ??= this.#register(createRequire(import.meta.url)("prom-client"));
    return this.#observed;
  }

  #register({ Counter, collectDefaultMetrics, Gauge, Histogram, Registry }: PromClient): Observed {
    const metrics = this;
    const registry = new Registry();
    const registers = [registry];
    new Counter({
      name: "durastream_requests_total",
      help: "Requests to the stream root by operation and response status.",
      labelNames: ["operation", "status"],
      registers,
      collect() {
        this.reset();
        metrics.requests.forEach((byStatus, op) => {
          for (let status = 0; status < STATUS_SLOTS; status++) {
            const count = byStatus[status]!;
            if (count > 0) {
              this.inc({ operation: REQUEST_OPERATIONS[op], status: String(status) }, count);
            }
          }
        });
      },
    });
    new Counter({
      name: "durastream_append_bytes_total",
      help: "Body bytes of acknowledged appends.",
      registers,
      collect() {
        this.reset();
        this.inc(metrics.appendBytes);
      },
    });
    new Counter({
      name: "durastream_read_bytes_total",
      help: "Body bytes sent to readers, by read mode.",
      labelNames: ["mode"],
      registers,
      collect() {
        this.reset();
        for (const [mode, bytes] of Object.entries(metrics.readBytes)) this.inc({ mode }, bytes);
      },
    });
    new Gauge({
      name: "durastream_live_readers",
      help: "Open live reads by mode (waiting long-polls, open SSE connections).",
      labelNames: ["mode"],
      registers,
      collect() {
        for (const [mode, count] of Object.entries(metrics.liveReaders)) this.set({ mode }, count);
      },
    });
    new Counter({
      name: "durastream_rejected_requests_total",
      help: "Requests answered with an error, by error code.",
      labelNames: ["reason"],
      registers,
      collect() {
        this.reset();
        for (const [reason, count] of metrics.rejected) this.inc({ reason }, count);
      },
    });
    const streamCount = this.#streamCount;
    if (streamCount !== null) {
      new Gauge({
        name: "durastream_streams",
        help: "Streams stored (deleted ones kept for their forks excluded).",
        registers,
        collect() {
          this.set(streamCount());
        },
      });
    }
    const observed: Observed = {
      registry,
      commitGroupSize: new Histogram({
        name: "durastream_commit_group_size",
        help: "Writes made durable together by one commit and disk sync.",
        buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
        registers,
      }),
      fsyncSeconds: new Histogram({
        name: "durastream_fsync_seconds",
        help: "Duration of the disk sync that makes a commit group durable.",
        buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
        registers,
      }),
      sweeps: new Counter({
        name: "durastream_expiry_sweeps_total",
        help: "Background sweeps for streams past their TTL or Expires-At.",
        registers,
      }),
      expiredStreams: new Counter({
        name: "durastream_expired_streams_total",
        help: "Streams retired by expiry sweeps.",
        registers,
      }),
    };
    collectDefaultMetrics({ register: registry, prefix: "durastream_process_" });
    return observed;
  }

  /** Counts a request by its operation index and status. */
  request(operation: number, status: number): void {
    this.requests[operation]![status < STATUS_SLOTS ? status : 0]!++;
  }

  /** Counts an error response by its code. */
  reject(code: string): void {
    this.rejected.set(code, (this.rejected.get(code) ?? 0) + 1);
  }

  /** Observes one durable commit group. */
  commit(groupSize: number, syncSeconds: number): void {
    const observed = this.#prom();
    observed.commitGroupSize.observe(groupSize);
    observed.fsyncSeconds.observe(syncSeconds);
  }

  /** Counts one expiry sweep and the streams it retired. */
  sweep(expired: number): void {
    const observed = this.#prom();
    observed.sweeps.inc();
    if (expired > 0) observed.expiredStreams.inc(expired);
  }
}
