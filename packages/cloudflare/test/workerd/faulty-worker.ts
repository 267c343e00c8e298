/**
 * The production Worker with objects that fail on purpose, to test what
 * happens when one object cannot answer another or the Worker: they fail the
 * first `FAIL_RELEASES` fork releases they are asked for (as an unreachable
 * source would), and every request to a stream under `unreachable/` throws
 * (as a reset or overloaded object does).
 */

import type { ForkOrigin } from "@durastream/server-core";
import worker, { DurableStreamObject, type Env } from "../../src/index.js";

// The listing's registry, as in the production Worker.
export { StreamRegistry, SubscriptionCoordinator } from "../../src/index.js";

interface FlakyEnv extends Env {
  readonly FAIL_RELEASES?: string;
}

let failed = 0;

/** `DurableStreamObject` that fails the first releases and every request under `unreachable/`. */
export class FaultyObject extends DurableStreamObject {
  readonly #failures: number;

  constructor(ctx: DurableObjectState, env: FlakyEnv) {
    super(ctx, env);
    this.#failures = Number(env.FAIL_RELEASES ?? "0");
  }

  override fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname.startsWith("/v1/stream/unreachable/")) {
      throw new Error("injected failure: the object was reset");
    }
    return super.fetch(request);
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
