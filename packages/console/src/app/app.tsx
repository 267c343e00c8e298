/** The console's shell: header, stream list, the open stream, and the token prompt. */

import { useMemo } from "preact/hooks";
import { Auth } from "../model/auth.js";
import { Connection, streamRootFromPage } from "../model/connection.js";
import { useObservable } from "../model/observable.js";
import { CreateStreamForm } from "../ui/create-stream-form.js";
import { useRoute } from "../ui/routes.js";
import { StreamList } from "../ui/stream-list.js";
import { StreamPage } from "../ui/stream-page.js";
import { TokenDialog } from "../ui/token-dialog.js";

export function App() {
  const auth = useMemo(() => new Auth(), []);
  const connection = useMemo(() => new Connection(streamRootFromPage(), auth), [auth]);
  const authState = useObservable(auth.state);
  const route = useRoute();
  const root = new URL(connection.streamRoot);
  return (
    <div class={`shell ${route.path === null ? "at-list" : "at-stream"}`}>
      <header class="top">
        <a class="brand" href="#/">
          <span class="logo" aria-hidden="true" />
          durastream <span class="muted">console</span>
        </a>
        <span class="server mono" title="Stream root">
          {root.host}
          {root.pathname}
        </span>
        {authState.hasToken && (
          <button type="button" class="link" onClick={() => auth.clear()}>
            Forget token
          </button>
        )}
      </header>
      <main class="panes">
        <StreamList connection={connection} selected={route.path} authEpoch={authState.epoch} />
        <div class="stream-pane">
          {route.path === null ? (
            <div class="welcome">
              <h2>Pick a stream</h2>
              <p class="muted">
                Choose one in the list, or search by path prefix. Streams live under{" "}
                <span class="mono">{root.pathname}/</span>; create one here:
              </p>
              <CreateStreamForm connection={connection} />
            </div>
          ) : (
            <StreamPage
              connection={connection}
              path={route.path}
              view={route.view}
              authEpoch={authState.epoch}
            />
          )}
        </div>
      </main>
      {authState.needed && <TokenDialog auth={auth} hadToken={authState.hasToken} />}
    </div>
  );
}
