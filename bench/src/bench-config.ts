/**
 * Sizes and durations of every scenario. The sizes by default;
 * BENCH_SCALE=0.1 shrinks sizes and durations for a quick smoke run, and
 * BENCH_ONLY=appends-one-stream,sse-fan-out runs a subset of scenarios and
 * BENCH_SERVERS=durastream a subset of servers (e.g. for profiling).
 */

const scale = Number(process.env.BENCH_SCALE ?? "1");

function scaled(value: number, minimum = 1): number {
  return Math.max(minimum, Math.round(value * scale));
}

export const config = {
  scale,
  only: process.env.BENCH_ONLY?.split(",").filter(Boolean),
  servers: process.env.BENCH_SERVERS?.split(",").filter(Boolean),
  messageBytes: 90,
  appends: {
    connections: 64,
    wrkThreads: 2,
    durationSeconds: scaled(8, 2),
    manyStreams: 1000,
  },
  saturation: {
    connections: [64, 256, 1024],
    /** Seconds of wrk per point: 12 points in all, each server restarted once. */
    durationSeconds: scaled(4, 1),
    manyStreams: 1000,
    /** The goal: durable appends ≥ 1.5× the official in-memory server's. */
    target: 1.5,
  },
  producer: { messages: scaled(1_000_000, 10_000) },
  catchUp: { totalBytes: scaled(64 * 1024 * 1024, 1024 * 1024), appendBytes: 1024 * 1024 },
  sse: {
    subscribers: scaled(10_000, 100),
    appendsPerSecond: 50,
    durationMs: scaled(8_000, 2_000),
    connectConcurrency: 256,
  },
  longPoll: {
    waiters: scaled(2_000, 100),
    appendsPerSecond: 50,
    durationMs: scaled(8_000, 2_000),
    connectConcurrency: 256,
  },
  manyStreams: {
    count: scaled(100_000, 1_000),
    connections: 64,
    idleSettleMs: 3_000,
    restartTimeoutMs: 30_000,
  },
  yjs: {
    providers: 5,
    keystrokesPerSecond: 10,
    durationMs: scaled(20_000, 3_000),
    /** Compaction threshold of the compacting variant: reached a few times in a run. */
    compactionBytes: scaled(32 * 1024, 1024),
  },
  streamDb: { events: scaled(100_000, 1_000) },
  /** Time allowed for deliveries after the writer's last append. */
  deliveryGraceMs: 2_000,
  /** An append slower than this stops the paced writer (the server is falling over). */
  writerRequestTimeoutMs: 10_000,
} as const;
