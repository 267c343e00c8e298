/**
 * The live tail of a stream: where to start, pause/resume, the messages
 * received (a bounded, virtualized log) and the selected message in full,
 * from which a fork can be made.
 */

import { useEffect, useMemo, useState } from "preact/hooks";
import type { Connection } from "../model/connection.js";
import { forkPointAfter } from "../model/fork.js";
import type { TailMessage } from "../model/message-buffer.js";
import { useFrameThrottled } from "../model/observable.js";
import { StreamTail } from "../model/stream-tail.js";
import { ForkDialog } from "./fork-dialog.js";
import { formatBytes, formatCount, hexDump, preview } from "./format.js";
import { JsonTree } from "./json-tree.js";
import { VirtualList } from "./virtual-list.js";

const ROW_HEIGHT = 34;
type From = "-1" | "now" | "offset";

export function MessagesPanel(props: {
  connection: Connection;
  path: string;
  contentType: string | undefined;
  onForked: (target: string) => void;
}) {
  const { connection, path, contentType } = props;
  const tail = useMemo(
    () => new StreamTail(connection, path, contentType),
    [connection, path, contentType],
  );
  useFrameThrottled(tail.changes);
  const [from, setFrom] = useState<From>("-1");
  const [typedOffset, setTypedOffset] = useState("");
  const [selected, setSelected] = useState<number | null>(null);
  const [forking, setForking] = useState<TailMessage | null>(null);

  useEffect(() => {
    tail.start("-1");
    setSelected(null);
    return () => tail.dispose();
  }, [tail]);

  const buffer = tail.buffer;
  const first = buffer.total - buffer.length;
  const chosen = selected === null ? undefined : buffer.bySeq(selected);

  const start = (event: Event) => {
    event.preventDefault();
    setSelected(null);
    tail.start(from === "offset" ? typedOffset.trim() : from);
  };

  const renderRow = (i: number) => {
    const message = buffer.at(i)!;
    return (
      <button
        type="button"
        class="message-row"
        aria-pressed={message.seq === selected}
        onClick={() => setSelected(message.seq)}
      >
        <span class="seq">#{message.seq + 1}</span>
        <span class="preview">{preview(message)}</span>
        <span class="size">{formatBytes(message.bytes)}</span>
      </button>
    );
  };

  const running = tail.status === "live" || tail.status === "connecting";
  return (
    <div class="messages-panel">
      <form class="tail-controls" onSubmit={start} aria-label="Tail">
        <fieldset>
          <legend>Read from</legend>
          <label>
            <input
              type="radio"
              name="from"
              checked={from === "-1"}
              onChange={() => setFrom("-1")}
            />{" "}
            beginning
          </label>
          <label>
            <input
              type="radio"
              name="from"
              checked={from === "now"}
              onChange={() => setFrom("now")}
            />{" "}
            now
          </label>
          <label>
            <input
              type="radio"
              name="from"
              checked={from === "offset"}
              onChange={() => setFrom("offset")}
            />{" "}
            offset
          </label>
          <input
            class="offset-input mono"
            aria-label="Start offset"
            placeholder="offset"
            value={typedOffset}
            disabled={from !== "offset"}
            required={from === "offset"}
            spellcheck={false}
            onInput={(e) => setTypedOffset(e.currentTarget.value)}
          />
        </fieldset>
        <div class="buttons">
          <button type="submit">Start</button>
          {running ? (
            <button type="button" onClick={() => tail.pause()}>
              Pause
            </button>
          ) : (
            <button
              type="button"
              onClick={() => tail.resume()}
              disabled={tail.status !== "paused" && tail.status !== "error"}
            >
              Resume
            </button>
          )}
        </div>
      </form>
      <p class="tail-status" role="status" aria-live="polite">
        <span class={`dot ${tail.status}`} aria-hidden="true" />
        <span id="tail-state">{statusText(tail.status, tail.upToDate)}</span>
        <span class="muted">
          {" · "}
          {formatCount(buffer.total)} received
          {buffer.dropped > 0 && ` · showing the newest ${formatCount(buffer.length)}`}
          {tail.offset !== null && (
            <>
              {" · offset "}
              <span class="mono">{tail.offset}</span>
            </>
          )}
        </span>
      </p>
      {tail.error && (
        <p class="error" role="alert">
          {tail.error}
        </p>
      )}
      <div class="log-and-detail">
        <VirtualList
          id="message-rows"
          label="Messages"
          count={buffer.length}
          rowHeight={ROW_HEIGHT}
          renderRow={renderRow}
          follow
        />
        <section class="detail" aria-label="Selected message">
          {chosen === undefined ? (
            <p class="muted">
              {buffer.length === 0
                ? "No messages yet: append one below."
                : "Select a message to see it in full."}
            </p>
          ) : (
            <MessageDetail message={chosen} onFork={() => setForking(chosen)} />
          )}
        </section>
      </div>
      {first > 0 && (
        <p class="muted small">
          {formatCount(first)} earlier messages are no longer kept in this tab.
        </p>
      )}
      {forking !== null && (
        <ForkDialog
          connection={connection}
          source={path}
          contentType={contentType}
          point={forkPointAfter(forking)}
          describe={`The fork inherits message #${forking.seq + 1} of this tail and everything before it.`}
          onDone={(target) => {
            setForking(null);
            if (target !== null) props.onForked(target);
          }}
        />
      )}
    </div>
  );
}

function statusText(status: StreamTail["status"], upToDate: boolean): string {
  switch (status) {
    case "live":
      return upToDate ? "Live, up to date" : "Catching up";
    case "connecting":
      return "Connecting";
    case "paused":
      return "Paused";
    case "closed":
      return "Stream closed: all read";
    case "error":
      return "Stopped by an error";
    default:
      return "Idle";
  }
}

function MessageDetail({ message, onFork }: { message: TailMessage; onFork: () => void }) {
  return (
    <div>
      <div class="detail-head">
        <h3>Message #{message.seq + 1}</h3>
        <button type="button" onClick={onFork}>
          Fork here…
        </button>
      </div>
      <p class="muted small mono">
        {message.batchOffset === "-1" ? "first batch" : `batch at ${message.batchOffset}`}
        {message.batchSize > 1 && ` (${message.index + 1} of ${message.batchSize})`} · next{" "}
        {message.endOffset} · {formatBytes(message.bytes)}
      </p>
      {message.kind === "json" ? (
        <JsonTree value={message.value} />
      ) : message.kind === "text" ? (
        <pre class="text-body">{String(message.value)}</pre>
      ) : (
        <pre class="hex-body">{hexDump(message.value as Uint8Array)}</pre>
      )}
    </div>
  );
}
