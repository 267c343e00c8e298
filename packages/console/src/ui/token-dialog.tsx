/** Asks for a bearer token when the server answered 401; the token stays in this tab only. */

import { useState } from "preact/hooks";
import type { Auth } from "../model/auth.js";
import { Dialog } from "./dialog.js";

export function TokenDialog({ auth, hadToken }: { auth: Auth; hadToken: boolean }) {
  const [token, setToken] = useState("");
  return (
    <Dialog id="token-dialog" title="This server needs a token" onClose={() => undefined}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (token.trim() !== "") auth.setToken(token.trim());
        }}
      >
        <p>
          {hadToken
            ? "The server refused the token of this tab (401). Enter another one."
            : "The server answered 401 Unauthorized. Enter the bearer token (the server's secret or a signed token)."}
        </p>
        <label for="token-input">Bearer token</label>
        <input
          id="token-input"
          type="password"
          autoComplete="off"
          required
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        <p class="muted small">
          Kept in this tab's session storage only: closing the tab forgets it.
        </p>
        <div class="buttons">
          <button type="submit" class="primary">
            Use token
          </button>
        </div>
      </form>
    </Dialog>
  );
}
