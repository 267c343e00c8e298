/**
 * `MaterializedState`: the in-memory latest-value-per-key view of a stream
 * (STATE-PROTOCOL.md section 6).
 *
 * @module
 */
import type { ChangeEvent } from "./change-event.js";
import type { StateEvent } from "./state-event.js";

/**
 * An in-memory view of state built by applying State Protocol messages in
 * stream order, organized by entity `type`, then `key`.
 *
 * `insert`, `update` and `upsert` store the value; `delete` removes the key; a
 * `reset` control message clears everything; other control messages are ignored.
 * API-compatible with `MaterializedState` of `@durable-streams/state`.
 */
export class MaterializedState {
  readonly #data = new Map<string, Map<string, unknown>>();

  /** Applies one change message (or control message) to the state. */
  apply(event: ChangeEvent | StateEvent): void {
    const headers = event.headers as Partial<ChangeEvent["headers"]> & { control?: string };
    if (headers.operation === undefined) {
      if (headers.control === "reset") this.clear();
      return;
    }
    const { type, key, value } = event as ChangeEvent;
    let typeMap = this.#data.get(type);
    if (!typeMap) {
      typeMap = new Map();
      this.#data.set(type, typeMap);
    }
    switch (headers.operation) {
      case "insert":
      case "update":
      case "upsert":
        typeMap.set(key, value);
        break;
      case "delete":
        typeMap.delete(key);
        break;
    }
  }

  /** Applies messages in order. */
  applyBatch(events: ReadonlyArray<ChangeEvent | StateEvent>): void {
    for (const event of events) this.apply(event);
  }

  /** The current value of `type`/`key`, or `undefined`. */
  get<T = unknown>(type: string, key: string): T | undefined {
    return this.#data.get(type)?.get(key) as T | undefined;
  }

  /** All entries of `type`, keyed by entity key (an empty map for an unknown type). */
  getType(type: string): Map<string, unknown> {
    return this.#data.get(type) ?? new Map();
  }

  /** Removes all state. */
  clear(): void {
    this.#data.clear();
  }

  /** The number of entity types seen. */
  get typeCount(): number {
    return this.#data.size;
  }

  /** The entity types seen, in first-seen order. */
  get types(): string[] {
    return [...this.#data.keys()];
  }
}
