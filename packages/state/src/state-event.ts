/**
 * State events (change or control messages) and their type guards.
 *
 * @module
 */
import type { ChangeEvent } from "./change-event.js";
import type { ControlEvent } from "./control-event.js";

/** A State Protocol message: a change message or a control message. */
export type StateEvent<T = unknown> = ChangeEvent<T> | ControlEvent;

function hasObjectHeaders(event: unknown): event is { headers: Record<string, unknown> } {
  if (typeof event !== "object" || event === null) return false;
  const headers = (event as { headers?: unknown }).headers;
  return typeof headers === "object" && headers !== null;
}

/**
 * Whether `event` is a change message (its headers carry an `operation`).
 *
 * This is the light discriminating guard (same contract as `@durable-streams/state`);
 * use {@link validateStateEvent} to check untrusted input against the full spec.
 */
export function isChangeEvent<T = unknown>(event: StateEvent<T>): event is ChangeEvent<T>;
export function isChangeEvent(event: unknown): event is ChangeEvent;
export function isChangeEvent(event: unknown): event is ChangeEvent {
  return hasObjectHeaders(event) && "operation" in event.headers;
}

/**
 * Whether `event` is a control message (its headers carry a `control`).
 *
 * This is the light discriminating guard (same contract as `@durable-streams/state`);
 * use {@link validateStateEvent} to check untrusted input against the full spec.
 */
export function isControlEvent<T = unknown>(event: StateEvent<T>): event is ControlEvent;
export function isControlEvent(event: unknown): event is ControlEvent;
export function isControlEvent(event: unknown): event is ControlEvent {
  return hasObjectHeaders(event) && "control" in event.headers;
}
