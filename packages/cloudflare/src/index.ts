/**
 * durastream on Cloudflare Workers + Durable Objects. The Worker routes
 * `/v1/stream/{path}` to the `DurableStreamObject` named by the path.
 */

import type { Env } from "./config.js";
import { handleFetch } from "./worker/entry.js";

export type { Env } from "./config.js";
export { DurableStreamObject } from "./object/durable-stream-object.js";
export { StreamRegistry } from "./registry/stream-registry.js";
export { SubscriptionCoordinator } from "./subscriptions/subscription-coordinator.js";

export default {
  fetch: (request, env, ctx) => handleFetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
