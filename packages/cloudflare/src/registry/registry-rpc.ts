/**
 * What stream objects, the coordinator and the Worker's `/metrics` call on
 * the one `StreamRegistry` over Durable Object RPC. The binding type names
 * this interface, not the class, so callers depend on the calls alone.
 */

import type { RegistryEntry } from "./registry-entry.js";

/** The registry's view of the deployment, for `/metrics`. */
export interface RegistryStats {
  /** Live streams (not deleted, not expired by their own objects yet). */
  readonly streams: number;
  /** Sum of their tails as last reported. */
  readonly bytes: number;
  /** Those of them that are closed. */
  readonly closed: number;
}

/** The RPC surface of `StreamRegistry`. */
export interface StreamRegistryRpc extends Rpc.DurableObjectBranded {
  /** Applies reports from a stream's object (idempotent, order-free). */
  report(entries: readonly RegistryEntry[]): void;
  /** Live paths under `prefix` at or after `from`, in path order. */
  livePaths(from: string, prefix: string, limit: number): string[];
  /** Live streams, their bytes and how many are closed. */
  stats(): RegistryStats;
}
