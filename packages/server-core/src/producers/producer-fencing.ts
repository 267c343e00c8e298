/**
 * Idempotent producer validation (Section 5.2.1): epoch fencing, duplicate
 * detection and sequence gaps, decided against the producer's stored state.
 */

import {
  PRODUCER_EPOCH_HEADER,
  PRODUCER_EXPECTED_SEQ_HEADER,
  PRODUCER_RECEIVED_SEQ_HEADER,
} from "@durastream/protocol";
import { ProtocolError } from "../http/errors.js";
import type { ProducerState, ProducerTuple } from "../ports/store.js";

/** What to do with a producer request. */
export type ProducerDecision =
  | { readonly kind: "accept"; readonly state: ProducerState }
  | { readonly kind: "duplicate"; readonly state: ProducerState };

/**
 * Decides a producer request against `current` (undefined for a producer the
 * stream has never seen). Throws the 400/403/409 the spec names.
 */
export function decideProducer(
  request: ProducerTuple,
  current: ProducerState | undefined,
): ProducerDecision {
  if (current === undefined || request.epoch > current.epoch) {
    if (request.seq !== 0) {
      if (current === undefined) {
        throw new ProtocolError(
          409,
          "PRODUCER_SEQ_GAP",
          `producer sequence gap: expected 0, received ${request.seq}`,
          {
            [PRODUCER_EXPECTED_SEQ_HEADER]: "0",
            [PRODUCER_RECEIVED_SEQ_HEADER]: String(request.seq),
          },
        );
      }
      throw new ProtocolError(
        400,
        "INVALID_HEADER",
        `a new producer epoch must start at Producer-Seq 0 (got ${request.seq})`,
      );
    }
    return { kind: "accept", state: { epoch: request.epoch, lastSeq: 0 } };
  }
  if (request.epoch < current.epoch) {
    throw new ProtocolError(
      403,
      "STALE_EPOCH",
      `stale producer epoch ${request.epoch}; current epoch is ${current.epoch}`,
      { [PRODUCER_EPOCH_HEADER]: String(current.epoch) },
    );
  }
  if (request.seq <= current.lastSeq) return { kind: "duplicate", state: current };
  if (request.seq === current.lastSeq + 1) {
    return { kind: "accept", state: { epoch: current.epoch, lastSeq: request.seq } };
  }
  throw new ProtocolError(
    409,
    "PRODUCER_SEQ_GAP",
    `producer sequence gap: expected ${current.lastSeq + 1}, received ${request.seq}`,
    {
      [PRODUCER_EXPECTED_SEQ_HEADER]: String(current.lastSeq + 1),
      [PRODUCER_RECEIVED_SEQ_HEADER]: String(request.seq),
    },
  );
}
