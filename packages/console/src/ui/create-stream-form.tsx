/** Creates a stream from the console: a path and a content type, then opens it. */

import { DurableStream } from "@durastream/client";
import { useState } from "preact/hooks";
import { type Connection, describeError } from "../model/connection.js";
import { streamHref } from "./routes.js";

const CONTENT_TYPES = ["application/json", "text/plain", "application/octet-stream"] as const;

export function CreateStreamForm({ connection }: { connection: Connection }) {
  const [path, setPath] = useState("");
  const [contentType, setContentType] = useState<string>(CONTENT_TYPES[0]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = path.trim().replace(/^\/+/, "");
    if (trimmed === "") return setError("Give the stream a path, e.g. chat/42.");
    setError(null);
    setBusy(true);
    try {
      await DurableStream.create({
        url: connection.urlOf(trimmed),
        contentType,
        fetch: connection.auth.fetch,
        warnOnHttp: false,
      });
      location.hash = streamHref(trimmed);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="create-stream" onSubmit={submit} aria-labelledby="create-heading">
      <h3 id="create-heading">New stream</h3>
      <label>
        Path
        <input
          class="mono"
          value={path}
          placeholder="chat/42"
          onInput={(e) => setPath((e.target as HTMLInputElement).value)}
        />
      </label>
      <label>
        Content type
        <select
          value={contentType}
          onChange={(e) => setContentType((e.target as HTMLSelectElement).value)}
        >
          {CONTENT_TYPES.map((type) => (
            <option key={type} value={type}>
              {type}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={busy}>
        Create stream
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
