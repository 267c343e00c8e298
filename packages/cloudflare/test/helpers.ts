/** Test fixtures: the Worker on workerd (Miniflare) on a random port, SQLite in temp dirs. */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, setGlobalDispatcher } from "undici";

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = "durastream-cf-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
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
