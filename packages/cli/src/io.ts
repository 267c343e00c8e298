/** The process surface a command runs against: streams, environment, interruption. */

import { once } from "node:events";
import type { Readable, Writable } from "node:stream";

/** Standard streams, environment and the interrupt signal of one command run. */
export interface Io {
  readonly stdin: Readable & { readonly isTTY?: boolean };
  readonly stdout: Writable & { readonly isTTY?: boolean; readonly columns?: number };
  readonly stderr: Writable & { readonly isTTY?: boolean; readonly columns?: number };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT/SIGTERM/SIGHUP (or when the npm launcher exits); the reason says which. */
  readonly signal: AbortSignal;
}

/** Writes to a stream and waits for it to drain when its buffer is full (backpressure). */
export async function write(out: Writable, data: Uint8Array | string): Promise<void> {
  if (out.write(data)) return;
  await Promise.race([
    once(out, "drain"),
    once(out, "error").then(([error]) => Promise.reject(error)),
  ]);
}
