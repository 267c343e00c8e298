/** Asks for the new path of a fork and creates it. */

import { useState } from "preact/hooks";
import { type Connection, describeError } from "../model/connection.js";
import { createFork, type ForkPoint } from "../model/fork.js";
import { Dialog } from "./dialog.js";

export function ForkDialog(props: {
  connection: Connection;
  source: string;
  contentType: string | undefined;
  point: ForkPoint | null;
  /** What the fork inherits, in words. */
  describe: string;
  onDone: (target: string | null) => void;
}) {
  const [target, setTarget] = useState(`${props.source}-fork`);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const path = target.trim().replace(/^\/+/, "");
    if (path === "") return setError("Give the fork a path.");
    setBusy(true);
    try {
      await createFork(props.connection, props.source, path, props.point, props.contentType);
      props.onDone(path);
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };
  return (
    <Dialog id="fork-dialog" title={`Fork ${props.source}`} onClose={() => props.onDone(null)}>
      <form onSubmit={submit}>
        <p>{props.describe}</p>
        {props.point !== null && (
          <p class="muted mono">
            Stream-Fork-Offset: {props.point.offset}
            {props.point.subOffset > 0 && ` + ${props.point.subOffset} messages`}
          </p>
        )}
        <label for="fork-path">New stream path</label>
        <input
          id="fork-path"
          value={target}
          required
          spellcheck={false}
          autoComplete="off"
          aria-invalid={error !== null}
          aria-describedby={error ? "fork-error" : undefined}
          onInput={(e) => setTarget(e.currentTarget.value)}
        />
        {error && (
          <p id="fork-error" class="error" role="alert">
            {error}
          </p>
        )}
        <div class="buttons">
          <button type="button" onClick={() => props.onDone(null)}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            Create fork
          </button>
        </div>
      </form>
    </Dialog>
  );
}
