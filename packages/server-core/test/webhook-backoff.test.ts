/** The webhook retry schedule (spec 7.1): 1 s doubling up to 60 s, spread ±20 %. */

import { describe, expect, it } from "vitest";
import { retryDelayMs } from "../src/subscriptions/backoff.js";

describe("webhook retry delays", () => {
  it("double from 1 s and stop at 60 s", () => {
    const middle = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((attempt) => retryDelayMs(attempt, 0.5));
    expect(middle).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  });

  it("spread over ±20 % of the step, never beyond", () => {
    expect(retryDelayMs(1, 0)).toBe(800);
    expect(retryDelayMs(1, 0.999999)).toBe(1200);
    expect(retryDelayMs(10, 0)).toBe(48000);
    expect(retryDelayMs(10, 0.999999)).toBe(72000);
    for (let i = 0; i < 100; i++) {
      const delay = retryDelayMs(3, i / 100);
      expect(delay).toBeGreaterThanOrEqual(3200);
      expect(delay).toBeLessThanOrEqual(4800);
    }
  });
});
