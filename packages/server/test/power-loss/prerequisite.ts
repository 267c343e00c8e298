/**
 * Power-loss tests need tools from the machine (strace, FUSE). A missing one
 * is never a quiet pass: under CI (`CI` set) the test fails, elsewhere it is
 * a visible skip with the reason, printed to stderr as well.
 */

import type { TestContext } from "vitest";

/** Fails (CI) or skips (elsewhere) the current test because `reason`. */
export function missingPrerequisite(ctx: TestContext, reason: string): never {
  const message = `POWER-LOSS TEST NOT RUN: ${reason}`;
  process.stderr.write(`\n*** ${message} ***\n\n`);
  if (process.env.CI) throw new Error(`${message} (required when CI is set)`);
  return ctx.skip(message);
}
