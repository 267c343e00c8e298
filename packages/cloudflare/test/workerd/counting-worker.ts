/**
 * The production Worker with one addition for tests: it counts how often a
 * stream's object was constructed, so a test can see that the object really
 * hibernated (was evicted and built again) while an SSE reader waited.
 * Module state is shared by the Worker and its objects in workerd's one
 * isolate; reading it does not wake the object.
 */

import worker, { DurableStreamObject, type Env } from "../../src/index.js";

export { StreamRegistry, SubscriptionCoordinator } from "../../src/index.js";

let constructions = 0;

/** `DurableStreamObject`, counted. */
export class CountingStreamObject extends DurableStreamObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    constructions++;
  }
}

export default {
  fetch(request, env) {
    if (new URL(request.url).pathname === "/constructions") {
      return new Response(String(constructions));
    }
    return worker.fetch(request, env);
  },
} satisfies ExportedHandler<Env>;
