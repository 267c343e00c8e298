/** The Node runtime's expiry scheduler: sweeps when asked, and drains a backlog without waiting. */

import { describe, expect, it } from "vitest";
import { ExpirySweeper } from "../src/ports/expiry-sweeper.js";

/** A sweep that answers `results` in turn and resolves `called(n)` on its n-th call. */
function scriptedSweep(results: number[]) {
  let calls = 0;
  const waiting = new Map<number, () => void>();
  return {
    sweep: async () => {
      calls++;
      waiting.get(calls)?.();
      return results[calls - 1] ?? 0;
    },
    called: (n: number) =>
      calls >= n ? Promise.resolve() : new Promise<void>((resolve) => waiting.set(n, resolve)),
    get calls() {
      return calls;
    },
  };
}

describe("ExpirySweeper", () => {
  it("sweeps at a time it is woken for, long before its period", async () => {
    const sweeper = new ExpirySweeper(3_600_000);
    const script = scriptedSweep([0]);
    sweeper.start(script.sweep);
    sweeper.wakeAt(Date.now());
    await script.called(1);
    sweeper.stop();
    expect(script.calls).toBe(1);
  });

  it("runs again at once while sweeps retire full batches", async () => {
    const sweeper = new ExpirySweeper(3_600_000);
    const script = scriptedSweep([1000, 1000, 3]);
    sweeper.start(script.sweep);
    sweeper.wakeAt(Date.now());
    await script.called(3);
    sweeper.stop();
    expect(script.calls).toBe(3);
  });

  it("reports a failed sweep and keeps sweeping", async () => {
    let reported: (error: unknown) => void = () => {};
    const failure = new Promise<unknown>((resolve) => {
      reported = resolve;
    });
    const sweeper = new ExpirySweeper(3_600_000, (error) => reported(error));
    const script = scriptedSweep([]);
    sweeper.start(async () => {
      if (script.calls === 0) {
        await script.sweep();
        throw new Error("disk full");
      }
      return script.sweep();
    });
    sweeper.wakeAt(Date.now());
    expect(await failure).toEqual(new Error("disk full"));
    sweeper.wakeAt(Date.now());
    await script.called(2);
    sweeper.stop();
  });
});
