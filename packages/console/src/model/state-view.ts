/**
 * The State view of a stream: reads it from the start and follows it live,
 * materializing State Protocol events (`MaterializedState` of
 * @durastream/state) into the latest entity per key of each collection (the
 * events' `type`). JSON messages that are not State Protocol events are
 * counted and skipped.
 */

import { stream } from "@durastream/client";
import { MaterializedState, validateStateEvent } from "@durastream/state";
import { type Connection, describeError, isUnauthorized } from "./connection.js";
import { Changes } from "./observable.js";

const SLICE_MS = 12;

/** Live materialized state of one stream. */
export class StateView {
  readonly changes = new Changes();
  readonly state = new MaterializedState();
  /** Change events applied. */
  applied = 0;
  /** Control events seen (`reset` clears the state). */
  controls = 0;
  /** Messages that are not State Protocol events. */
  skipped = 0;
  /** The offset the state is valid at. */
  offset: string | null = null;
  upToDate = false;
  streamClosed = false;
  error: string | null = null;
  readonly #controller = new AbortController();

  constructor(
    readonly connection: Connection,
    readonly path: string,
  ) {
    void this.#read();
  }

  dispose(): void {
    this.#controller.abort();
  }

  async #read(): Promise<void> {
    const { signal } = this.#controller;
    const auth = this.connection.auth;
    let lastYield = performance.now();
    try {
      const response = await stream({
        url: this.connection.urlOf(this.path),
        offset: "-1",
        live: "sse",
        json: true,
        fetch: auth.fetch,
        signal,
        warnOnHttp: false,
        onError: async (error) => {
          if (!isUnauthorized(error) || signal.aborted) return undefined;
          await auth.nextToken(signal);
          return {};
        },
      });
      response.subscribeJson(async (batch) => {
        for (const item of batch.items) {
          const checked = validateStateEvent(item);
          if (!checked.ok) {
            this.skipped++;
            continue;
          }
          this.state.apply(checked.event);
          if (checked.kind === "change") this.applied++;
          else this.controls++;
        }
        this.offset = batch.offset;
        this.upToDate = batch.upToDate;
        this.streamClosed = batch.streamClosed;
        this.changes.notify();
        if (performance.now() - lastYield > SLICE_MS) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          lastYield = performance.now();
        }
      });
      await response.closed;
    } catch (error) {
      if (signal.aborted) return;
      this.error = describeError(error);
      this.changes.notify();
    }
  }
}
