/**
 * Control messages of the State Protocol (STATE-PROTOCOL.md section 4.2).
 *
 * @module
 */

/** The kind of a control message. */
export type ControlType = "snapshot-start" | "snapshot-end" | "reset";

/** Every control kind defined by the State Protocol. */
export const CONTROL_TYPES: readonly ControlType[] = Object.freeze([
  "snapshot-start",
  "snapshot-end",
  "reset",
]);

/**
 * A control message: a stream-management signal separate from data changes.
 *
 * `snapshot-start` / `snapshot-end` delimit a snapshot; `reset` tells clients to
 * clear their materialized state.
 */
export type ControlEvent = {
  headers: {
    /** The control signal. */
    control: ControlType;
    /** Optional stream offset the signal applies at. */
    offset?: string;
  };
};
