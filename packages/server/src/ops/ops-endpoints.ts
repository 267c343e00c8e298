/**
 * Health and metrics, outside the stream root: `/healthz` (the process
 * answers), `/readyz` (not draining, and a write through the store's group
 * commit reached the disk) and `/metrics` (Prometheus text format).
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";

/** What readiness checks. */
export interface Readiness {
  /** True once shutdown began: load balancers should stop sending requests. */
  draining(): boolean;
  /** Resolves when the store can make a write durable; rejects with why not. */
  checkWritable(): Promise<void>;
}

/** The paths this module answers. */
export const OPS_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics"]);

/** How long a readiness probe waits for its write before answering unready. */
const PROBE_TIMEOUT_MS = 5_000;

/** Answers an ops endpoint request (its path is one of {@link OPS_PATHS}). */
export async function handleOpsRequest(
  pathname: string,
  req: IncomingMessage,
  res: ServerResponse,
  readiness: Readiness,
  registry: Registry | null,
): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    send(
      res,
      405,
      { error: { code: "METHOD_NOT_ALLOWED", message: "use GET" } },
      { allow: "GET, HEAD" },
    );
    return;
  }
  if (pathname === "/healthz") {
    send(res, 200, { status: "ok" });
    return;
  }
  if (pathname === "/readyz") {
    if (readiness.draining()) {
      send(res, 503, { status: "draining" });
      return;
    }
    try {
      await withTimeout(readiness.checkWritable(), PROBE_TIMEOUT_MS);
      send(res, 200, { status: "ready" });
    } catch (error) {
      send(res, 503, { status: "unwritable", reason: (error as Error).message ?? String(error) });
    }
    return;
  }
  if (registry === null) {
    send(res, 404, { error: { code: "NOT_FOUND", message: "metrics are turned off" } });
    return;
  }
  const text = await registry.metrics();
  res.writeHead(200, {
    "content-type": registry.contentType,
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(text),
  });
  res.end(req.method === "HEAD" ? undefined : text);
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(text),
  });
  res.end(res.req.method === "HEAD" ? undefined : text);
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no durable write within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
