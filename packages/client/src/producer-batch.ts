/**
 * The IdempotentProducer's bookkeeping records: a sealed batch (what one
 * POST carries and where it stands) and a waiting `flush()`.
 */

import type { AppendBody } from "./message-encoding.js";
import type { Offset } from "./types.js";

/** A sealed batch: one POST, one producer sequence number. */
export interface Batch {
  /** Monotonic id, independent of (epoch, seq) which change on re-claim. */
  readonly id: number;
  messages: AppendBody[];
  epoch: number;
  seq: number;
  state: "queued" | "in-flight" | "acked";
  /**
   * Refused with a sequence gap whose missing sequence is one of ours: resend
   * once the batch with this sequence is acknowledged.
   */
  resendAfterSeq: number | undefined;
  /**
   * Lowest unacknowledged sequence when the latest attempt was sent. Every
   * sequence from here to `seq - 1` was ours and not yet known to have landed,
   * so a gap the server reports in that range is explained by our own requests.
   */
  lowestUnackedAtSend: number;
  body: BodyInit | undefined;
}

/** A `flush()` waiting for every batch up to `target` to be acknowledged. */
export interface FlushWaiter {
  target: number;
  resolve: (offset: Offset | undefined) => void;
  reject: (err: Error) => void;
}
