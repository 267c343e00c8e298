/** Appends one message; on JSON streams the text must parse before it is sent. */

import type { DurableStream } from "@durastream/client";
import { useState } from "preact/hooks";
import { describeError } from "../model/connection.js";
import type { TailMessage } from "../model/message-buffer.js";

export function AppendForm(props: {
  handle: DurableStream;
  kind: TailMessage["kind"];
  closed: boolean;
  onAppended: () => void;
}) {
  const { handle, kind, closed } = props;
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string>("");
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    let body: string | Uint8Array = text;
    if (kind === "json") {
      try {
        JSON.parse(text);
      } catch (e) {
        setError(`Not valid JSON: ${(e as Error).message}`);
        return;
      }
    } else if (kind === "bytes") {
      const hex = text.replace(/\s+/g, "");
      if (!/^([0-9a-fA-F]{2})*$/.test(hex)) {
        setError("Type bytes as hex pairs, e.g. 48 65 6c 6c 6f.");
        return;
      }
      body = Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
    }
    if (text === "") return setError("Nothing to append.");
    setError(null);
    setBusy(true);
    try {
      await handle.append(body);
      setText("");
      setStatus("Appended.");
      props.onAppended();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const hint =
    kind === "json"
      ? "One JSON value, appended as one message."
      : kind === "text"
        ? "Text, appended as is."
        : "Bytes as hex pairs.";
  return (
    <form class="append" onSubmit={submit} aria-labelledby="append-heading">
      <h3 id="append-heading">Append</h3>
      <label for="append-body">Message to append</label>
      <textarea
        id="append-body"
        rows={3}
        value={text}
        spellcheck={false}
        disabled={closed}
        placeholder={kind === "json" ? '{"hello": "world"}' : ""}
        aria-invalid={error !== null}
        aria-describedby="append-hint append-error"
        onInput={(e) => {
          setText(e.currentTarget.value);
          setStatus("");
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void submit(e);
        }}
      />
      <p id="append-hint" class="muted small">
        {closed ? "The stream is closed: it takes no more messages." : `${hint} Ctrl+Enter sends.`}
      </p>
      <p id="append-error" class="error" role="alert">
        {error}
      </p>
      <div class="buttons">
        <span class="muted small" role="status">
          {status}
        </span>
        <button type="submit" class="primary" disabled={busy || closed}>
          Append
        </button>
      </div>
    </form>
  );
}
