/**
 * What the server's answer to one producer request means (PROTOCOL.md
 * Section 5.2.1), read from its status and headers alone, so the producer
 * decides what to do next without parsing headers in several places.
 */

import {
  isClosedFlag,
  PRODUCER_EPOCH_HEADER,
  PRODUCER_EXPECTED_SEQ_HEADER,
  PRODUCER_RECEIVED_SEQ_HEADER,
  parseNonNegativeInteger,
  STREAM_CLOSED_HEADER,
  STREAM_OFFSET_HEADER,
} from "@durastream/protocol";

/** One producer answer, classified. */
export type ProducerAnswer =
  /** 200/204: stored (or a duplicate of something stored); `offset` only with 200. */
  | { readonly kind: "accepted"; readonly offset: string | null }
  /** 403: a newer epoch fenced this one; `currentEpoch` is the server's. */
  | { readonly kind: "fenced"; readonly currentEpoch: number }
  /** 409 with `Producer-Expected-Seq`: a gap in the sequence. */
  | { readonly kind: "gap"; readonly expectedSeq: number; readonly receivedSeq: number }
  /** Anything else: an error to report as it is. */
  | { readonly kind: "failed" };

/**
 * Classifies `response`. `sentEpoch` and `sentSeq` stand in for headers the
 * server left out. The body is not read: the caller cancels or reads it.
 */
export function readProducerAnswer(
  response: Response,
  sentEpoch: number,
  sentSeq: number,
): ProducerAnswer {
  const { status, headers } = response;
  if (status === 200 || status === 204) {
    return { kind: "accepted", offset: status === 200 ? headers.get(STREAM_OFFSET_HEADER) : null };
  }
  if (status === 403) {
    const currentEpoch = parseNonNegativeInteger(headers.get(PRODUCER_EPOCH_HEADER) ?? "");
    return { kind: "fenced", currentEpoch: currentEpoch ?? sentEpoch };
  }
  if (status === 409 && !isClosedFlag(headers.get(STREAM_CLOSED_HEADER))) {
    const expectedSeq = parseNonNegativeInteger(headers.get(PRODUCER_EXPECTED_SEQ_HEADER) ?? "");
    const receivedSeq = parseNonNegativeInteger(headers.get(PRODUCER_RECEIVED_SEQ_HEADER) ?? "");
    if (expectedSeq !== undefined) {
      return { kind: "gap", expectedSeq, receivedSeq: receivedSeq ?? sentSeq };
    }
  }
  return { kind: "failed" };
}
