/** One stream: its metadata, actions (close, delete, fork), and the Messages or State view. */

import { useCallback, useEffect, useState } from "preact/hooks";
import { type Connection, describeError } from "../model/connection.js";
import { loadStreamInfo, type StreamInfo } from "../model/stream-info.js";
import { messageKind } from "../model/stream-tail.js";
import { AppendForm } from "./append-form.js";
import { Badges } from "./badges.js";
import { Dialog } from "./dialog.js";
import { ForkDialog } from "./fork-dialog.js";
import { formatBytes, formatDuration, formatTime } from "./format.js";
import { MessagesPanel } from "./messages-panel.js";
import { type Route, streamHref } from "./routes.js";
import { StatePanel } from "./state-panel.js";
import { POLL_MS } from "./stream-list.js";

type Pending = "close" | "delete" | "fork" | null;

export function StreamPage(props: {
  connection: Connection;
  path: string;
  view: Route["view"];
  authEpoch: number;
}) {
  const { connection, path, view, authEpoch } = props;
  const [info, setInfo] = useState<StreamInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const [notice, setNotice] = useState<string | null>(null);

  // authEpoch: a new token reloads.
  const reload = useCallback(async () => {
    try {
      setInfo(await loadStreamInfo(connection, path));
      setError(null);
    } catch (e) {
      setError(describeError(e));
    }
  }, [connection, path, authEpoch]);

  useEffect(() => {
    setInfo(null);
    setNotice(null);
    void reload();
    const timer = setInterval(() => {
      if (document.visibilityState !== "hidden") void reload();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [reload]);

  const head = info?.head;
  const listed = info?.listed ?? null;
  const contentType = head?.exists ? head.contentType : undefined;
  const closed = head?.exists === true && head.streamClosed;
  const kind = messageKind(contentType);
  // The content type is known once HEAD answered: panels wait for it.
  const ready = head?.exists === true;

  const act = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      setNotice(done);
    } catch (e) {
      setNotice(describeError(e));
    }
    setPending(null);
    await reload();
  };

  return (
    <article class="stream-page" aria-labelledby="stream-heading">
      <header class="stream-head">
        <a class="back" href="#/">
          ← Streams
        </a>
        <h2 id="stream-heading" class="mono">
          {path}
        </h2>
        {listed && <Badges stream={listed} />}
        {ready && (
          <div class="actions">
            <button type="button" onClick={() => setPending("fork")}>
              Fork…
            </button>
            <button type="button" disabled={closed} onClick={() => setPending("close")}>
              Close…
            </button>
            <button type="button" class="danger" onClick={() => setPending("delete")}>
              Delete…
            </button>
          </div>
        )}
      </header>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {head?.exists === false && <p class="empty">There is no stream at this path.</p>}
      {head?.exists && (
        <dl class="meta-grid" aria-label="Stream metadata">
          <div>
            <dt>Content type</dt>
            <dd class="mono">{head.contentType ?? "—"}</dd>
          </div>
          <div>
            <dt>Next offset</dt>
            <dd class="mono">{head.offset ?? "—"}</dd>
          </div>
          <div>
            <dt>Size</dt>
            <dd>{listed ? formatBytes(listed.bytes) : "—"}</dd>
          </div>
          <div>
            <dt>State</dt>
            <dd>{head.streamClosed ? "closed" : "open"}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{formatTime(listed?.createdAt)}</dd>
          </div>
          <div>
            <dt>Expires</dt>
            <dd>
              {listed?.expiresAt ? formatTime(listed.expiresAt) : "never"}
              {listed?.ttlSeconds != null && ` (TTL ${formatDuration(listed.ttlSeconds)})`}
            </dd>
          </div>
          {listed?.forkedFrom && (
            <div>
              <dt>Forked from</dt>
              <dd>
                {info?.forkSourceGone ? (
                  <span class="mono" title="The source stream was deleted">
                    {listed.forkedFrom.path} (deleted)
                  </span>
                ) : (
                  <a href={streamHref(listed.forkedFrom.path)} class="mono">
                    {listed.forkedFrom.path}
                  </a>
                )}{" "}
                at <span class="mono">{listed.forkedFrom.offset}</span>
              </dd>
            </div>
          )}
          {head.etag && (
            <div>
              <dt>ETag</dt>
              <dd class="mono">{head.etag}</dd>
            </div>
          )}
        </dl>
      )}
      {ready && (
        <>
          <nav class="tabs" aria-label="Stream views">
            <a href={streamHref(path)} aria-current={view === "messages" ? "page" : undefined}>
              Messages
            </a>
            {kind === "json" && (
              <a
                href={streamHref(path, "state")}
                aria-current={view === "state" ? "page" : undefined}
              >
                State
              </a>
            )}
          </nav>
          {view === "messages" || kind !== "json" ? (
            <>
              <MessagesPanel
                key={`${path} ${authEpoch}`}
                connection={connection}
                path={path}
                contentType={contentType}
                onForked={(target) => {
                  location.hash = streamHref(target);
                }}
              />
              <AppendForm
                handle={connection.handle(path, contentType)}
                kind={kind}
                closed={closed}
                onAppended={() => void reload()}
              />
            </>
          ) : (
            <StatePanel key={`${path} ${authEpoch}`} connection={connection} path={path} />
          )}
        </>
      )}
      {pending === "fork" && (
        <ForkDialog
          connection={connection}
          source={path}
          contentType={contentType}
          point={null}
          describe="The fork inherits everything the stream holds now."
          onDone={(target) => {
            setPending(null);
            if (target !== null) location.hash = streamHref(target);
          }}
        />
      )}
      {pending === "close" && (
        <Confirm
          title={`Close ${path}?`}
          body="A closed stream takes no more appends; readers see it end. This cannot be undone."
          action="Close stream"
          onCancel={() => setPending(null)}
          onConfirm={() => act(() => connection.handle(path, contentType).close(), "Closed.")}
        />
      )}
      {pending === "delete" && (
        <Confirm
          title={`Delete ${path}?`}
          body="The stream and its messages are deleted for every reader. Forks keep what they inherited. This cannot be undone."
          action="Delete stream"
          danger
          onCancel={() => setPending(null)}
          onConfirm={async () => {
            try {
              await connection.handle(path).delete();
              setPending(null);
              location.hash = "#/";
            } catch (e) {
              setPending(null);
              setNotice(describeError(e));
            }
          }}
        />
      )}
    </article>
  );
}

function Confirm(props: {
  title: string;
  body: string;
  action: string;
  danger?: boolean;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  return (
    <Dialog id="confirm-dialog" title={props.title} onClose={props.onCancel}>
      <p>{props.body}</p>
      <div class="buttons">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class={props.danger ? "danger" : "primary"} onClick={props.onConfirm}>
          {props.action}
        </button>
      </div>
    </Dialog>
  );
}
