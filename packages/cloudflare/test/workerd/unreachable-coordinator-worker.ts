/**
 * The production Worker with a subscription coordinator that refuses every
 * stream report, so a test can see that stream objects journal their
 * reports and deliver them later (here: after a restart with the production
 * Worker). Subscription routes still answer.
 */

import type { StreamChange } from "@durastream/server-core";
import worker, { SubscriptionCoordinator as ProductionCoordinator } from "../../src/index.js";

export { DurableStreamObject, StreamRegistry } from "../../src/index.js";

/** A coordinator that is down for reports. */
export class SubscriptionCoordinator extends ProductionCoordinator {
  override streamChanged(_change: StreamChange): Promise<boolean> {
    throw new Error("coordinator unavailable (test)");
  }
}

export default worker;
