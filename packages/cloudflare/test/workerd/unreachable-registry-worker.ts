/**
 * The production Worker with a registry that refuses every report, so a test
 * can see that stream objects keep their reports in the durable outbox and
 * deliver them later (here: after a restart with the production Worker).
 */

import worker, { StreamRegistry as ProductionRegistry } from "../../src/index.js";
import type { RegistryEntry } from "../../src/registry/registry-entry.js";

export { DurableStreamObject, SubscriptionCoordinator } from "../../src/index.js";

/** A registry that is down for reports and for stats (listing still answers). */
export class StreamRegistry extends ProductionRegistry {
  override report(_entries: readonly RegistryEntry[]): void {
    throw new Error("registry unavailable (test)");
  }

  override stats(): never {
    throw new Error("registry unavailable (test)");
  }
}

export default worker;
