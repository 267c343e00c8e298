/**
 * The Node server's admission limits on the Worker, side by side with Node:
 * live-reader caps (per stream in the stream's object, in total per Worker
 * isolate) and per-client rate limits (Cloudflare's Rate Limiting binding,
 * run by Miniflare). Each refusal must be what Node answers: same status,
 * same JSON error code (and message, where no number differs), `Retry-After`.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../server/src/index.js";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { eventually, keepAliveBelowWorkerd } from "./helpers.js";

keepAliveBelowWorkerd();

const SECRET = "admission-secret";
const AUTH = { authorization: `Bearer ${SECRET}` };
const TEXT = { ...AUTH, "content-type": "text/plain" };

/** The caps both servers run with: 2 live reads per stream, 3 in all. */
const CAPS = { perStream: 2, total: 3 };

let node: RunningServer;
let worker: LocalWorker;
let limitedWorker: LocalWorker;
let limitedNode: RunningServer;
const dirs: string[] = [];

function tempData(): string {
  const dir = mkdtempSync(join(tmpdir(), "durastream-admission-"));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  [node, limitedNode, worker, limitedWorker] = await Promise.all([
    startServer({
      port: 0,
      host: "127.0.0.1",
      dataDir: tempData(),
      secret: SECRET,
      limits: { maxLiveReaders: CAPS.total, maxLiveReadersPerStream: CAPS.perStream },
    }),
    startServer({
      port: 0,
      host: "127.0.0.1",
      dataDir: tempData(),
      secret: SECRET,
      rateLimit: { requestsPerSecond: 0.001, burstRequests: 5 },
    }),
    startLocalWorker({
      port: 0,
      vars: {
        STREAMS_SECRET: SECRET,
        // A reader that left is noticed at its next frame or keep-alive (no sooner on workerd).
        LONG_POLL_TIMEOUT_MS: "4000",
        MAX_LIVE_READERS: String(CAPS.total),
        MAX_LIVE_READERS_PER_STREAM: String(CAPS.perStream),
      },
    }),
    startLocalWorker({
      port: 0,
      vars: { STREAMS_SECRET: SECRET },
      rateLimit: { limit: 5, period: 60 },
    }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([node?.close(), limitedNode?.close(), worker?.close(), limitedWorker?.close()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Refusal {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly error: { code: string; message: string };
}

async function refusal(response: Response): Promise<Refusal> {
  expect(response.headers.get("content-type")).toBe("application/json");
  const body = (await response.json()) as { error: Refusal["error"] };
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    error: body.error,
  };
}

/** Live readers held open by a test, each cancelled with `stop()`. */
function readers(base: string) {
  const held: AbortController[] = [];
  return {
    /** Opens a live read; resolves with its response once its headers arrived (SSE) or it was refused. */
    async open(path: string, live: "sse" | "long-poll"): Promise<Response | "held"> {
      const abort = new AbortController();
      held.push(abort);
      const offset = live === "sse" ? "-1" : "now";
      const answer = fetch(`${base}/v1/stream/${path}?offset=${offset}&live=${live}`, {
        headers: AUTH,
        signal: abort.signal,
      });
      if (live === "sse") return answer;
      // A long-poll that is held does not answer before its timeout: give it a moment.
      const settled = await Promise.race([
        answer,
        new Promise<"held">((resolve) => setTimeout(() => resolve("held"), 1_000)),
      ]);
      if (settled === "held") answer.catch(() => {});
      return settled;
    },
    stop(): void {
      for (const abort of held.splice(0)) abort.abort();
    },
  };
}

/** Runs the live-reader scenario against `base` and returns each refusal it met. */
async function liveReaderRefusals(base: string): Promise<Refusal[]> {
  for (const path of ["caps/a", "caps/b", "caps/c"]) {
    const put = await fetch(`${base}/v1/stream/${path}`, { method: "PUT", headers: TEXT });
    expect(put.status).toBe(201);
  }
  const open = readers(base);
  const refusals: Refusal[] = [];
  try {
    // Two SSE readers of caps/a: the stream's cap.
    for (let i = 0; i < 2; i++) {
      const sse = await open.open("caps/a", "sse");
      expect(sse !== "held" && sse.status).toBe(200);
    }
    // A third reader of caps/a, SSE or long-poll, is refused; caps/b is not.
    for (const live of ["sse", "long-poll"] as const) {
      const refused = await open.open("caps/a", live);
      expect(refused).not.toBe("held");
      refusals.push(await refusal(refused as Response));
    }
    expect(await open.open("caps/b", "long-poll")).toBe("held");
    // Three live reads in all: the total cap refuses caps/c.
    const full = await open.open("caps/c", "sse");
    expect(full).not.toBe("held");
    refusals.push(await refusal(full as Response));
  } finally {
    open.stop();
  }
  // Readers that left free their slots.
  const after = readers(base);
  try {
    await eventually(async () => {
      const again = await after.open("caps/a", "sse");
      if (again === "held" || again.status === 200) return true;
      await again.body?.cancel();
      return false;
    }, 10_000);
  } finally {
    after.stop();
  }
  return refusals;
}

describe("Cloudflare Worker: live-reader caps like Node's", () => {
  it("refuses a stream's third live reader and the server's fourth with Node's 503", async () => {
    const onNode = await liveReaderRefusals(node.url);
    const onWorker = await liveReaderRefusals(worker.url);
    const stream = {
      status: 503,
      retryAfter: "1",
      error: { code: "OVERLOADED", message: "too many live readers on this stream" },
    };
    const total = {
      ...stream,
      error: { ...stream.error, message: "too many live readers on the server" },
    };
    expect(onNode).toEqual([stream, stream, total]);
    expect(onWorker).toEqual(onNode);
  }, 60_000);
});

describe("Cloudflare Worker: rate limits with the Rate Limiting binding", () => {
  /** Six requests of one client: the sixth is over a limit of five. */
  async function sixth(base: string, headers: Record<string, string>): Promise<Response> {
    const url = `${base}/v1/stream/rated/one`;
    await fetch(url, { method: "PUT", headers: { ...headers, "content-type": "text/plain" } });
    for (let i = 0; i < 4; i++) {
      const read = await fetch(`${url}?offset=-1`, { headers });
      expect(read.status).not.toBe(429);
      await read.arrayBuffer();
    }
    return fetch(`${url}?offset=-1`, { headers });
  }

  it("answers a client over its rate 429 RATE_LIMITED with Retry-After, per credential, as Node does", async () => {
    for (const target of [limitedNode.url, limitedWorker.url]) {
      const over = await refusal(await sixth(target, AUTH));
      expect(over.status).toBe(429);
      expect(over.error.code).toBe("RATE_LIMITED");
      expect(Number(over.retryAfter)).toBeGreaterThanOrEqual(1);
      // Another credential has its own allowance (here it is wrong: the engine's 401, not a 429).
      const other = await fetch(`${target}/v1/stream/rated/one?offset=-1`, {
        headers: { authorization: "Bearer someone-else" },
      });
      expect(other.status).toBe(401);
      await other.arrayBuffer();
      // Health checks are not rate limited.
      expect((await fetch(`${target}/healthz`)).status).toBe(200);
    }
    // The Worker's Retry-After is the binding's period: a period later the window is fresh.
    const again = await fetch(`${limitedWorker.url}/v1/stream/rated/one?offset=-1`, {
      headers: AUTH,
    });
    expect(again.status).toBe(429);
    expect(again.headers.get("retry-after")).toBe("60");
    // Writes are limited too (the body is left unread).
    const refusedAppend = await fetch(`${limitedWorker.url}/v1/stream/rated/one`, {
      method: "POST",
      headers: TEXT,
      body: "not stored",
    });
    expect(refusedAppend.status).toBe(429);
  }, 60_000);
});
