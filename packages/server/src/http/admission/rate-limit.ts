/**
 * Rate limits per client: a token bucket of requests and one of request
 * body bytes for each bearer credential (or client address when the
 * request carries none, or auth is off). A client over either rate gets
 * 429 with `Retry-After`. The limiter remembers at most `maxClients`
 * buckets; past that the least recently created is forgotten (its client
 * starts afresh), so its memory stays bounded whatever the traffic.
 */

import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { EngineResponse } from "@durastream/server-core";
import { jsonError, withConnectionClose } from "../json-responses.js";

/** Rates and bursts; a rate left out is not limited. */
export interface RateLimitOptions {
  /** Sustained requests per second per client. */
  readonly requestsPerSecond?: number;
  /** Requests a client may make at once. Default: one second's worth (at least 1). */
  readonly burstRequests?: number;
  /** Sustained request body bytes per second per client. */
  readonly bytesPerSecond?: number;
  /** Body bytes a client may send at once. Default: one second's worth. */
  readonly burstBytes?: number;
  /** Clients remembered at most. Default 10,000. */
  readonly maxClients?: number;
}

interface Bucket {
  requests: number;
  bytes: number;
  at: number;
}

/** Why and for how long a request is refused. */
export interface RateRefusal {
  readonly retryAfterSeconds: number;
  readonly message: string;
}

/** Token buckets per client. */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #requestRate: number;
  readonly #burstRequests: number;
  readonly #byteRate: number;
  readonly #burstBytes: number;
  readonly #maxClients: number;

  constructor(
    options: RateLimitOptions,
    private readonly keyByCredential: boolean,
    private readonly now: () => number = Date.now,
  ) {
    this.#requestRate = options.requestsPerSecond ?? Number.POSITIVE_INFINITY;
    this.#burstRequests = options.burstRequests ?? Math.max(1, this.#requestRate);
    this.#byteRate = options.bytesPerSecond ?? Number.POSITIVE_INFINITY;
    this.#burstBytes = options.burstBytes ?? this.#byteRate;
    this.#maxClients = options.maxClients ?? 10_000;
    for (const [name, value] of Object.entries(options)) {
      if (typeof value !== "number" || !(value > 0)) {
        throw new Error(`rate limit ${name} must be a positive number, got ${value}`);
      }
    }
  }

  /** Number of clients remembered. */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Charges one request and its declared body bytes to its client; a
   * refusal when the client has no request or byte allowance left. A body
   * larger than what is left is admitted while any allowance remains (the
   * client then waits for the debt to refill).
   */
  admit(req: IncomingMessage, declaredBytes: number): RateRefusal | null {
    const bucket = this.#bucket(req);
    if (bucket.requests < 1) {
      return {
        retryAfterSeconds: Math.ceil((1 - bucket.requests) / this.#requestRate),
        message: `more than ${this.#requestRate} requests per second`,
      };
    }
    if (bucket.bytes <= 0 && this.#byteRate !== Number.POSITIVE_INFINITY) {
      return {
        retryAfterSeconds: Math.max(1, Math.ceil(-bucket.bytes / this.#byteRate)),
        message: `more than ${this.#byteRate} body bytes per second`,
      };
    }
    bucket.requests -= 1;
    bucket.bytes -= declaredBytes;
    return null;
  }

  /** Charges body bytes read from a body without a declared length. */
  charge(req: IncomingMessage, bytes: number): void {
    this.#bucket(req).bytes -= bytes;
  }

  /** The client's bucket, refilled to now. */
  #bucket(req: IncomingMessage): Bucket {
    const key = this.#key(req);
    const now = this.now();
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxClients) {
        this.#buckets.delete(this.#buckets.keys().next().value!);
      }
      bucket = { requests: this.#burstRequests, bytes: this.#burstBytes, at: now };
      this.#buckets.set(key, bucket);
      return bucket;
    }
    const elapsed = Math.max(0, now - bucket.at) / 1000;
    bucket.at = now;
    bucket.requests = Math.min(this.#burstRequests, bucket.requests + elapsed * this.#requestRate);
    bucket.bytes = Math.min(this.#burstBytes, bucket.bytes + elapsed * this.#byteRate);
    return bucket;
  }

  /**
   * The bearer credential when auth is on and one is sent (as a SHA-256
   * digest: a bucket costs the same whatever the header's size, and no
   * credential is kept), else the client address.
   */
  #key(req: IncomingMessage): string {
    const authorization = this.keyByCredential ? req.headers.authorization : undefined;
    return authorization !== undefined
      ? `t:${createHash("sha256").update(authorization).digest("base64")}`
      : `a:${req.socket.remoteAddress ?? "unknown"}`;
  }
}

/** 429 with `Retry-After`; the connection closes when the request's body is left unread. */
export function rateLimited(refusal: RateRefusal, unreadBody: boolean): EngineResponse {
  const response = jsonError(429, "RATE_LIMITED", refusal.message);
  response.headers["retry-after"] = String(refusal.retryAfterSeconds);
  return unreadBody ? withConnectionClose(response) : response;
}
