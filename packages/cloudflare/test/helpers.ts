/** Test fixtures: the Worker on workerd (Miniflare) on a random port, SQLite in temp dirs. */

import { Agent, setGlobalDispatcher } from "undici";
import { eventually as poll } from "../../../test-support/eventually.js";

export { tempDir } from "../../../test-support/temp-dir.js";

/**
 * Polls `attempt` until it returns true, failing after `timeoutMs`; every
 * 100 ms, as each attempt is a request to workerd.
 */
export function eventually(attempt: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  return poll(attempt, timeoutMs, 100);
}

/**
 * workerd closes a keep-alive connection after 5 s idle, and fetch (undici)
 * keeps idle connections 4 s by default: on a loaded machine a request can go
 * out on a connection workerd is closing ("other side closed"). Tests that
 * talk to workerd keep idle connections 2 s instead.
 */
export function keepAliveBelowWorkerd(): void {
  setGlobalDispatcher(new Agent({ keepAliveTimeout: 2_000, keepAliveMaxTimeout: 2_000 }));
}
