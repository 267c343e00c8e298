/** The Node runtime's expiry scheduler: sweeps when asked, and drains a backlog without waiting. */

import { describe, expect, it, vi } from "vitest";
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

  it("a due time past setTimeout's range, asked for during a sweep, warns nothing and sweeps no earlier", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const sweeper = new ExpirySweeper(3_600_000);
      const script = scriptedSweep([0, 0]);
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      sweeper.start(async () => {
        const retired = await script.sweep();
        if (script.calls === 1) await held;
        return retired;
      });
      sweeper.wakeAt(Date.now());
      await script.called(1);
      // A stream with a huge Stream-TTL / Stream-Expires-At created while the sweep runs.
      sweeper.wakeAt(Date.now() + 2 ** 40);
      release();
      await new Promise((resolve) => setImmediate(resolve));
      // The next sweep runs when a nearer expiry asks for it, not before.
      const askedAt = Date.now();
      sweeper.wakeAt(askedAt + 50);
      await script.called(2);
      expect(Date.now() - askedAt).toBeGreaterThanOrEqual(45);
      sweeper.stop();
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("reaches a due time past setTimeout's range by re-arming", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      const sweeper = new ExpirySweeper(2 ** 33);
      const script = scriptedSweep([0]);
      sweeper.start(script.sweep);
      sweeper.wakeAt(Date.now() + 2 ** 32);
      await vi.advanceTimersByTimeAsync(2 ** 31);
      expect(script.calls).toBe(0);
      await vi.advanceTimersByTimeAsync(2 ** 32 - 2 ** 31 - 10);
      expect(script.calls).toBe(0);
      await vi.advanceTimersByTimeAsync(20);
      expect(script.calls).toBe(1);
      sweeper.stop();
    } finally {
      vi.useRealTimers();
    }
  }, 5_000);
});
