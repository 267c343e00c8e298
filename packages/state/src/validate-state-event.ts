/**
 * Structural validation of untrusted State Protocol messages
 * (STATE-PROTOCOL.md sections 5 and 9.1).
 *
 * @module
 */
import { type ChangeEvent, OPERATIONS, type Operation } from "./change-event.js";
import { CONTROL_TYPES, type ControlEvent, type ControlType } from "./control-event.js";
import type { StateEvent } from "./state-event.js";

/** The outcome of {@link validateStateEvent}. */
export type StateEventValidation =
  | { ok: true; kind: "change"; event: ChangeEvent }
  | { ok: true; kind: "control"; event: ControlEvent }
  | { ok: false; reason: string };

const RFC3339 =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** Whether `value` is an RFC 3339 date-time string. */
export function isRfc3339Timestamp(value: unknown): value is string {
  return typeof value === "string" && RFC3339.test(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

function fail(reason: string): StateEventValidation {
  return { ok: false, reason };
}

/**
 * Checks that `input` is a well-formed State Protocol message.
 *
 * Change messages need a non-empty `type` and `key`, a known `headers.operation`
 * (`upsert` included), a `value` for every operation but `delete`, and well-typed
 * optional `txid` / `timestamp`. Control messages need a known `headers.control`
 * and an optional non-empty `offset`. Unknown extra fields are tolerated, so newer
 * producers stay readable.
 */
export function validateStateEvent(input: unknown): StateEventValidation {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return fail("message is not a JSON object");
  }
  const headers = (input as { headers?: unknown }).headers;
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) {
    return fail("message has no headers object");
  }
  const h = headers as Record<string, unknown>;
  if ("operation" in h) {
    const event = input as Record<string, unknown>;
    if (!OPERATIONS.includes(h.operation as Operation)) {
      return fail(`unknown operation ${JSON.stringify(h.operation)}`);
    }
    if (!isNonEmptyString(event.type)) return fail("change message needs a non-empty type");
    if (!isNonEmptyString(event.key)) return fail("change message needs a non-empty key");
    if (h.operation !== "delete" && event.value === undefined) {
      return fail(`${String(h.operation)} change message needs a value`);
    }
    if (h.txid !== undefined && !isNonEmptyString(h.txid)) {
      return fail("headers.txid must be a non-empty string");
    }
    if (h.timestamp !== undefined && !isRfc3339Timestamp(h.timestamp)) {
      return fail("headers.timestamp must be an RFC 3339 timestamp");
    }
    return { ok: true, kind: "change", event: input as ChangeEvent };
  }
  if ("control" in h) {
    if (!CONTROL_TYPES.includes(h.control as ControlType)) {
      return fail(`unknown control ${JSON.stringify(h.control)}`);
    }
    if (h.offset !== undefined && !isNonEmptyString(h.offset)) {
      return fail("headers.offset must be a non-empty string");
    }
    return { ok: true, kind: "control", event: input as ControlEvent };
  }
  return fail("headers carry neither operation nor control");
}

/** Whether `input` is a well-formed State Protocol message (see {@link validateStateEvent}). */
export function isStateEvent(input: unknown): input is StateEvent {
  return validateStateEvent(input).ok;
}
