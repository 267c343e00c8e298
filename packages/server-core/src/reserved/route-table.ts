/**
 * The reserved route table. A new route group is a file exporting its
 * `ReservedRoute`s, added to this list; nothing else changes.
 */

import { registryRoutes } from "./registry.js";
import { ReservedRouter } from "./router.js";
import { streamListingRoutes } from "./streams.js";
import { subscriptionRoutes } from "./subscription-routes.js";

/** Every reserved route, in match order. */
export const reservedRouter = new ReservedRouter([
  ...streamListingRoutes,
  ...subscriptionRoutes,
  ...registryRoutes,
]);
