/**
 * A seeded raw-socket HTTP fuzzer against a live server (a child process):
 * a bounded number of generated requests, hostile in values and in bytes.
 * No response may be a 5xx, none may hang, every one must be a JSON error
 * or a valid protocol response, the streams that existed before must be
 * unchanged, and the server must log no internal error.
 */

import { describe, expect, test } from "vitest";
import {
  jsonErrorCode,
  type RawResponse,
  rawExchange,
  rawUntilClose,
} from "../../../test-support/raw-http.js";
import { seededRandom } from "../../../test-support/seeded-random.js";
import { requestGenerator, SCRATCH } from "./fuzz/request-generator.js";
import { readAll, spawnServer, testCleanups } from "./helpers.js";

const SEED = 90210;
const REQUESTS = 3000;
const CONCURRENCY = 8;

const PROTECTED: Record<string, { type: string; body: string; close?: boolean }> = {
  "prot/a": { type: "text/plain", body: "protected text" },
  "prot/json": { type: "application/json", body: '[{"a":"hello"},{"b":[1,2]},"x, y"]' },
  "prot/closed": { type: "text/plain", body: "closed for good", close: true },
};

interface Snapshot {
  readonly body: string;
  readonly nextOffset: string | null;
  readonly closed: string | null;
  readonly contentType: string | null;
}

async function snapshot(url: string): Promise<Snapshot> {
  const head = await fetch(url, { method: "HEAD" });
  expect(head.status).toBe(200);
  const { body } = await readAll(url);
  return {
    body: Buffer.from(body).toString("base64"),
    nextOffset: head.headers.get("stream-next-offset"),
    closed: head.headers.get("stream-closed"),
    contentType: head.headers.get("content-type"),
  };
}

/**
 * What is wrong with a response, or null when it is a JSON error or a valid
 * protocol response. `label` starts with the request's method.
 */
function problem(response: RawResponse | null, head: boolean, label: string): string | null {
  if (response === null) return "connection closed without a response";
  const { status, headers, body } = response;
  if (status >= 500) return `status ${status}: ${body.toString().slice(0, 200)}`;
  if (status >= 400) {
    if (head) return null;
    return jsonErrorCode(response) === undefined ? `${status} without a JSON error body` : null;
  }
  if (status === 200 && label.startsWith("GET ")) {
    const type = headers["content-type"] ?? "";
    if (type.startsWith("application/json")) {
      try {
        JSON.parse(body.toString("utf8"));
      } catch {
        return `200 application/json body is not JSON: ${body.toString().slice(0, 200)}`;
      }
    }
    const isListing = label.includes("/__ds/");
    if (
      !isListing &&
      headers["stream-next-offset"] === undefined &&
      !type.startsWith("text/event-stream")
    ) {
      return "200 read without Stream-Next-Offset";
    }
  }
  return null;
}

describe("raw-socket HTTP fuzzer", () => {
  const cleanups = testCleanups();

  test(`${REQUESTS} seeded requests: no 5xx, no hang, JSON errors, protected streams unchanged`, async () => {
    const server = await spawnServer(["--data-dir", cleanups.tempDir()], {
      // Live reads end quickly and incomplete requests time out, so every exchange ends.
      STREAMS_LONG_POLL_TIMEOUT_MS: "200",
      STREAMS_SSE_MAX_CONNECTION_MS: "300",
      STREAMS_HEADERS_TIMEOUT_MS: "1000",
      STREAMS_REQUEST_TIMEOUT_MS: "1000",
      // Every answer here must be a protocol response or a JSON error; the
      // console's static files have their own tests (console-site.test.ts).
      STREAMS_NO_CONSOLE: "1",
    });
    let logged = "";
    server.process.stdout!.on("data", (text: string) => {
      logged += text;
    });
    cleanups.defer(async () => {
      server.process.kill("SIGTERM");
      await server.exited;
    });
    const url = (path: string) => `${server.url}/v1/stream/${path}`;
    for (const [path, stream] of Object.entries(PROTECTED)) {
      const headers: Record<string, string> = { "content-type": stream.type };
      if (stream.close) headers["stream-closed"] = "true";
      expect((await fetch(url(path), { method: "PUT", headers, body: stream.body })).status).toBe(
        201,
      );
    }
    for (const path of SCRATCH) {
      const type = path.includes("json") ? "application/json" : "text/plain";
      await fetch(url(path), { method: "PUT", headers: { "content-type": type } });
    }
    const before = Object.fromEntries(
      await Promise.all(
        Object.keys(PROTECTED).map(async (p) => [p, await snapshot(url(p))] as const),
      ),
    );

    const next = requestGenerator(seededRandom(SEED), Object.keys(PROTECTED));
    const statuses = new Map<number | "closed", number>();
    const count = (key: number | "closed") => statuses.set(key, (statuses.get(key) ?? 0) + 1);
    const pipelinedRandom = seededRandom(SEED + 1);
    const problems: string[] = [];
    let sent = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent < REQUESTS) {
          sent++;
          if (pipelinedRandom() < 0.1) {
            // Two requests in one write: each answered in order, or the connection closed.
            const first = next(true);
            const second = next();
            const label = `${first.label} + ${second.label}`;
            const responses = await rawUntilClose(
              server.url,
              Buffer.concat([first.bytes, second.bytes]),
              { heads: [first.head, second.head] },
            ).catch((error: Error) => {
              throw new Error(`${label}: ${error.message}`);
            });
            count(responses[0]?.status ?? "closed");
            if (responses.length === 0) problems.push(`${label} → no response`);
            responses.forEach((response, i) => {
              const request = i === 0 ? first : second;
              if (i > 0) count(response.status);
              const found = problem(response, request.head, request.label);
              if (found !== null) problems.push(`${label} (#${i + 1}) → ${found}`);
            });
            continue;
          }
          const request = next();
          const { response } = await rawExchange(server.url, request.bytes, {
            head: request.head,
            timeoutMs: 10_000,
          }).catch((error: Error) => {
            throw new Error(`${request.label}: ${error.message}`);
          });
          count(response?.status ?? "closed");
          const found = problem(response, request.head, request.label);
          if (found !== null) problems.push(`${request.label} → ${found}`);
        }
      }),
    );
    const summary = [...statuses].sort(([a], [b]) => String(a).localeCompare(String(b)));
    console.log(
      `fuzzer: ${REQUESTS} requests (seed ${SEED}), statuses ${JSON.stringify(Object.fromEntries(summary))}`,
    );
    expect(problems).toEqual([]);

    const after = Object.fromEntries(
      await Promise.all(
        Object.keys(PROTECTED).map(async (p) => [p, await snapshot(url(p))] as const),
      ),
    );
    expect(after).toEqual(before);
    expect(server.process.exitCode).toBeNull();
    const errors = logged.split("\n").filter((line) => /"level":(50|60)/.test(line));
    expect(errors).toEqual([]);
  }, 120_000);
});
