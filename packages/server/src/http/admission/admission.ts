/**
 * Admission of a request before the engine runs: the client's rate limits
 * (`rate-limit.ts`, 429), the global request-body budget
 * (`body-budget.ts`) and the live-reader caps (`live-readers.ts`). A refused
 * request gets 429 or 503 with `Retry-After`; an admitted one holds its
 * share until its response is decided.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { type EngineResponse, ProtocolError } from "@durastream/server-core";
import type { Compression } from "../compression.js";
import { overloaded, RETRY_AFTER } from "../json-responses.js";
import type { BodyBudget } from "./body-budget.js";
import type { LiveReaderLimit } from "./live-readers.js";
import { type RateLimiter, rateLimited } from "./rate-limit.js";

/** The server-wide state admission checks. */
export interface RequestAdmission {
  readonly bodyBudget: BodyBudget;
  readonly liveReaders: LiveReaderLimit;
  /** The engine's body size limit: larger declared bodies get its 413, not a reservation. */
  readonly maxBodyBytes: number;
  /** Most bytes of a refused request's unread body drained so its client reads the answer. */
  readonly maxDrainBytes: number;
  /** Request and body-byte rates per client, when configured. */
  readonly rateLimit?: RateLimiter | undefined;
  /** Told of each request refused here, by error code (metrics). */
  readonly onRefused?: (code: "RATE_LIMITED" | "OVERLOADED") => void;
  /** Compression of catch-up responses, when turned on (applied by the adapter). */
  readonly compression?: Compression | undefined;
}

/** An admitted request: what it holds, and how its body is counted. */
export interface Admitted {
  /** The body to hand the engine (chunked bodies are counted as they arrive). */
  body(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array>;
  /** Returns the body reservation; call once the response is decided. */
  release(): void;
}

const BUDGET_EXCEEDED = "request bodies in flight exceed the server's budget";

/**
 * Admits a request, or returns the 503 that refuses it. Live reads (GET with
 * `live=long-poll|sse`) take a reader slot until their response closes;
 * bodies with a declared length reserve it now, chunked bodies per chunk.
 */
export function admitRequest(
  admission: RequestAdmission,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  hasBody: boolean,
): Admitted | EngineResponse {
  const result = admit(admission, req, res, path, query, hasBody);
  if (isRefusal(result)) {
    admission.onRefused?.(result.status === 429 ? "RATE_LIMITED" : "OVERLOADED");
  }
  return result;
}

function admit(
  admission: RequestAdmission,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  hasBody: boolean,
): Admitted | EngineResponse {
  const limiter = admission.rateLimit;
  if (limiter !== undefined) {
    const declared = Number(hasBody ? (req.headers["content-length"] ?? 0) : 0) || 0;
    const refusal = limiter.admit(req, declared);
    if (refusal) return rateLimited(refusal, hasBody);
  }
  if (req.method === "GET") {
    const live = query.get("live");
    if (live === "long-poll" || live === "sse") {
      const admitted = admission.liveReaders.admit(path);
      if (typeof admitted !== "function") {
        const scope = admitted === "stream" ? "this stream" : "the server";
        return overloaded(`too many live readers on ${scope}`, false);
      }
      res.once("close", admitted);
    }
  }
  const { bodyBudget, maxBodyBytes } = admission;
  let reserved = 0;
  const release = () => {
    bodyBudget.release(reserved);
    reserved = 0;
  };
  const header = hasBody ? req.headers["content-length"] : "0";
  if (header === undefined) {
    return {
      release,
      body: (body) =>
        countedBody(body, bodyBudget, maxBodyBytes, (bytes) => {
          reserved += bytes;
          // Chunked uploads are charged to the client's byte rate as they arrive.
          limiter?.charge(req, bytes);
        }),
    };
  }
  const declared = Number(header);
  if (declared > 0 && declared <= maxBodyBytes) {
    // Not closed here: the adapter drains the unread body (bounded) or closes.
    if (!bodyBudget.tryReserve(declared)) return overloaded(BUDGET_EXCEEDED, false);
    reserved = declared;
  }
  return { release, body: (body) => body };
}

/**
 * A chunked body reserved chunk by chunk (up to the size limit: past it the
 * engine answers 413 at once, not the budget's to refuse); a 503 as soon as
 * a chunk no longer fits. `reserve` records what was taken, for the release.
 */
async function* countedBody(
  body: AsyncIterable<Uint8Array>,
  budget: BodyBudget,
  maxBodyBytes: number,
  reserve: (bytes: number) => void,
): AsyncGenerator<Uint8Array> {
  let held = 0;
  for await (const chunk of body) {
    const needed = Math.min(chunk.length, maxBodyBytes - held);
    if (needed > 0) {
      if (!budget.tryReserve(needed, held)) {
        throw new ProtocolError(503, "OVERLOADED", BUDGET_EXCEEDED, { ...RETRY_AFTER });
      }
      held += needed;
      reserve(needed);
    }
    yield chunk;
  }
}

/** Whether `admitRequest` refused. */
export function isRefusal(result: Admitted | EngineResponse): result is EngineResponse {
  return "status" in result;
}
