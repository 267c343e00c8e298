/**
 * The name of the one `SubscriptionCoordinator` and what stream objects call
 * on it over Durable Object RPC. The binding type names this interface, not
 * the class, so a stream's object depends on the call alone.
 */

import type { StreamChange } from "@durastream/server-core";

/** Name of the one coordinator object (the reserved namespace, never a stream path). */
export const COORDINATOR_NAME = "__ds";

/** The RPC surface of `SubscriptionCoordinator`. */
export interface SubscriptionCoordinatorRpc extends Rpc.DurableObjectBranded {
  /**
   * A stream's object reports a durable create, append or removal; answers
   * whether the path concerns a subscription.
   */
  streamChanged(change: StreamChange): Promise<boolean>;
}
