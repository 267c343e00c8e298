/**
 * Appends one message every 1/rate seconds for `durationMs` on one keep-alive
 * connection, each append waiting for the previous acknowledgement (a slow
 * server therefore lowers the achieved rate). Every message carries its send
 * time so subscribers can measure append→delivery latency.
 */

import { formatRequest, HttpConnection } from "../http-connection.js";
import { LatencyHistogram, wallClockMicros } from "../latency-histogram.js";
import { clientArguments, emit, runClient, sleep } from "./client-protocol.js";
import { messageOfSize } from "./payload.js";

interface Arguments {
  readonly port: number;
  readonly path: string;
  readonly ratePerSecond: number;
  readonly durationMs: number;
  readonly messageBytes: number;
  readonly requestTimeoutMs: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timeout")), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

runClient(async () => {
  const args = clientArguments<Arguments>();
  const connection = await HttpConnection.connect(args.port);
  const intervalMs = 1000 / args.ratePerSecond;
  const ackLatency = new LatencyHistogram();
  let acked = 0;
  let failed = 0;
  let timedOut = false;
  const started = performance.now();
  for (let sequence = 0; ; sequence++) {
    const due = started + sequence * intervalMs;
    // Stop at the end of the window, however far a slow server has put us behind schedule.
    if (Math.max(due, performance.now()) - started >= args.durationMs) break;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const sentAt = performance.now();
    const body = messageOfSize(sequence, wallClockMicros(), args.messageBytes);
    try {
      const response = await withTimeout(
        connection.request(
          formatRequest("POST", args.path, { "Content-Type": "application/json" }, body),
        ),
        args.requestTimeoutMs,
      );
      if (response.status >= 200 && response.status < 300) acked++;
      else failed++;
    } catch {
      failed++;
      timedOut = true;
      break;
    }
    ackLatency.record(performance.now() - sentAt);
  }
  const elapsedMs = performance.now() - started;
  connection.close();
  emit("result", {
    acked,
    failed,
    timedOut,
    elapsedMs,
    achievedPerSecond: (acked / elapsedMs) * 1000,
    targetPerSecond: args.ratePerSecond,
    ackLatency: ackLatency.summary(),
  });
});
