/**
 * The production Worker whose objects fail the first `FAIL_RELEASES` fork
 * releases they are asked for (as an unreachable source would), to test the
 * fork's durable retry of releases.
 */

import type { ForkOrigin } from "@durastream/server-core";
import worker, { DurableStreamObject, type Env } from "../../src/index.js";

interface FlakyEnv extends Env {
  readonly FAIL_RELEASES?: string;
}

let failed = 0;

/** `DurableStreamObject` whose source side fails the first releases. */
export class FlakyReleaseObject extends DurableStreamObject {
  readonly #failures: number;

  constructor(ctx: DurableObjectState, env: FlakyEnv) {
    super(ctx, env);
    this.#failures = Number(env.FAIL_RELEASES ?? "0");
  }

  override forkRelease(origin: ForkOrigin, releaseKey: string) {
    if (failed < this.#failures) {
      failed++;
      throw new Error("injected failure: the source is unreachable");
    }
    return super.forkRelease(origin, releaseKey);
  }
}

export default worker;
