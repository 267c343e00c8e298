/**
 * What other parts of a deployment call on a stream's object over Durable
 * Object RPC: the Worker (Yjs trims), the subscription coordinator (watching,
 * wake events) and forks in other objects (the `fork*` methods). The binding
 * type names this interface, not `DurableStreamObject`, so the configuration
 * and the callers depend on the calls alone and not on the object's code.
 * Every method answers with plain data (structured-clonable); the `fork*` and
 * trim calls carry their protocol errors in an `RpcResult`.
 */

import type { ForkOrigin, ForkRequest, ForkSource } from "@durastream/server-core";
import type { RpcResult, WireRange } from "./rpc-result.js";

/** The RPC surface of `DurableStreamObject`. */
export interface StreamObjectRpc extends Rpc.DurableObjectBranded {
  /** The coordinator starts watching `path`: its tail, or null when it does not exist. */
  watchedBy(path: string): number | null;
  /** Appends a pull-wake event to the stream (a subscription's wake stream). */
  appendWakeEvent(path: string, event: string): Promise<boolean>;
  /** Trims the stream below `offset`; null when it does not exist. */
  trimStream(path: string, offset: string): Promise<RpcResult<string | null>>;
  /** Resolves a fork point on the stream and takes a reference on it. */
  forkExport(request: ForkRequest): Promise<RpcResult<ForkSource>>;
  /** A fork trimmed past its fork point: it reads nothing here any more. */
  forkUnhold(origin: ForkOrigin, key: string, heldFrom: number): Promise<RpcResult<null>>;
  /** Bytes of `[from, to)` of the stream, inherited data included. */
  forkRead(
    origin: ForkOrigin,
    from: number,
    to: number,
    maxBytes: number,
  ): Promise<RpcResult<WireRange>>;
  /** The end of the append that wrote byte `position`, or null. */
  forkBoundary(origin: ForkOrigin, position: number): Promise<RpcResult<number | null>>;
  /** The start of the stored message that holds byte `position`, or null. */
  forkMessageStart(origin: ForkOrigin, position: number): Promise<RpcResult<number | null>>;
  /** Drops the reference a fork took, once per `releaseKey`. */
  forkRelease(
    origin: ForkOrigin,
    releaseKey: string,
    heldFrom?: number | null,
  ): Promise<RpcResult<null>>;
}
