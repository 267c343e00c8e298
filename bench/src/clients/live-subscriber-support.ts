/** Shared by the SSE and long-poll fan-out clients: latency bookkeeping and connection pacing. */

import { LatencyHistogram, wallClockMicros } from "../latency-histogram.js";
import { forEachSendTime } from "./payload.js";

/** Append→delivery latencies of every message every subscriber received. */
export class DeliveryRecorder {
  readonly latency = new LatencyHistogram();
  deliveries = 0;

  /** Records every message of `text` as delivered now. */
  recordText(text: string): void {
    const nowMicros = wallClockMicros();
    forEachSendTime(text, (sentMicros) => {
      this.deliveries++;
      this.latency.record((nowMicros - sentMicros) / 1000);
    });
  }
}

/** Runs `open(i)` for i in [0, count) with at most `concurrency` pending at once. */
export async function openInWaves(
  count: number,
  concurrency: number,
  open: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await open(next++);
    }),
  );
}

/** CPU use of this process (user + system) as a percentage of one core since construction. */
export class CpuMeter {
  readonly #startUsage = process.cpuUsage();
  readonly #startedAt = performance.now();

  percentSinceStart(): number {
    const used = process.cpuUsage(this.#startUsage);
    const elapsedMicros = (performance.now() - this.#startedAt) * 1000;
    return ((used.user + used.system) / elapsedMicros) * 100;
  }
}
