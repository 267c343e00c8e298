/**
 * The production Worker with additions for tests: it counts how often a
 * stream's object was constructed, so a test can see that the object really
 * hibernated (was evicted and built again) while an SSE reader waited, and
 * how many reports stream objects sent the subscription coordinator.
 * Module state is shared by the Worker and its objects in workerd's one
 * isolate; reading it does not wake the object.
 */

import type { StreamChange } from "@durastream/server-core";
import worker, {
  SubscriptionCoordinator as CountedCoordinator,
  DurableStreamObject,
  type Env,
} from "../../src/index.js";

export { StreamRegistry } from "../../src/index.js";

let constructions = 0;
let reports = 0;

/** `SubscriptionCoordinator`, its stream reports counted. */
export class SubscriptionCoordinator extends CountedCoordinator {
  override streamChanged(change: StreamChange): Promise<boolean> {
    reports++;
    return super.streamChanged(change);
  }
}

/** `DurableStreamObject`, counted. */
export class CountingStreamObject extends DurableStreamObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    constructions++;
  }
}

export default {
  fetch(request, env, ctx) {
    const pathname = new URL(request.url).pathname;
    if (pathname === "/constructions") return new Response(String(constructions));
    if (pathname === "/reports") return new Response(String(reports));
    return worker.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
