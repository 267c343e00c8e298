/**
 * PUT body validation and normalization (Section 6.2), and the configuration
 * hash that decides 201 / 200 / 409.
 */

import { MAX_STREAM_PATH_LENGTH, streamPathProblem as pathProblem } from "@durastream/protocol";
import type { SubscriptionConfig } from "../ports/subscription-types.js";
import { invalid, SubscriptionError } from "./errors.js";
import { patternProblem } from "./glob.js";
import { webhookUrlProblem } from "./webhook-url.js";

/** Lease bounds and default (Section 6.2). */
export const MIN_LEASE_TTL_MS = 1_000;
export const MAX_LEASE_TTL_MS = 600_000;
export const DEFAULT_LEASE_TTL_MS = 30_000;

const MAX_DESCRIPTION_LENGTH = 1024;
const MAX_URL_LENGTH = 2048;
const ID_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;
const KNOWN_FIELDS = new Set([
  "type",
  "pattern",
  "streams",
  "webhook",
  "wake_stream",
  "lease_ttl_ms",
  "description",
]);

/** What validation needs to know about the server's policy. */
export interface ConfigPolicy {
  /** Whether `http://localhost` / `http://127.0.0.x` webhooks are accepted (development only). */
  readonly allowLocalhostWebhooks: boolean;
  /** Most explicit streams one request may name. */
  readonly maxStreamsPerRequest: number;
}

/** Refuses subscription ids that are not a short run of URL-safe characters. */
export function validateSubscriptionId(id: string): void {
  if (!ID_PATTERN.test(id)) {
    throw invalid("subscription id must be 1-128 characters of A-Z a-z 0-9 . _ ~ -");
  }
}

/** Why `path` is not a valid application stream path, or null (the `__ds` prefix is reserved). */
export function streamPathProblem(path: string): string | null {
  if (path.split("/")[0] === "__ds") return "paths under __ds are reserved";
  return pathProblem(path);
}

/** Validates an explicit stream list (PUT `streams`, POST `.../streams`): deduplicated and sorted. */
export function parseStreamList(value: unknown, field: string, max: number): string[] {
  if (!Array.isArray(value)) throw invalid(`${field} must be an array of stream paths`);
  if (value.length > max) {
    throw new SubscriptionError(400, "LIMIT_EXCEEDED", `${field} names more than ${max} streams`);
  }
  for (const path of value) {
    if (typeof path !== "string") throw invalid(`${field} must contain only strings`);
    const problem = streamPathProblem(path);
    if (problem) throw invalid(`${field}: ${problem}`);
  }
  return [...new Set(value as string[])].sort();
}

/** Validates and normalizes a PUT body; throws a 400 `SubscriptionError` on the first problem. */
export function parseSubscriptionConfig(body: unknown, policy: ConfigPolicy): SubscriptionConfig {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalid("the body must be a JSON object");
  }
  const input = body as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!KNOWN_FIELDS.has(key)) throw invalid(`unknown field: ${key}`);
  }
  const type = input.type;
  if (type !== "webhook" && type !== "pull-wake") {
    throw invalid('type must be "webhook" or "pull-wake"');
  }

  let pattern: string | null = null;
  if (input.pattern !== undefined && input.pattern !== null) {
    if (typeof input.pattern !== "string" || input.pattern === "") {
      throw invalid("pattern must be a non-empty string");
    }
    if (input.pattern.length > MAX_STREAM_PATH_LENGTH) throw invalid("pattern is too long");
    const problem = patternProblem(input.pattern);
    if (problem) throw invalid(problem);
    if (input.pattern.split("/")[0] === "__ds") throw invalid("paths under __ds are reserved");
    pattern = input.pattern;
  }
  const streams =
    input.streams === undefined || input.streams === null
      ? []
      : parseStreamList(input.streams, "streams", policy.maxStreamsPerRequest);
  if (pattern === null && streams.length === 0) {
    throw invalid("at least one of pattern or streams is required");
  }

  let webhookUrl: string | null = null;
  let wakeStream: string | null = null;
  if (type === "webhook") {
    if (input.wake_stream !== undefined && input.wake_stream !== null) {
      throw invalid("wake_stream is only for pull-wake subscriptions");
    }
    const webhook = input.webhook;
    if (typeof webhook !== "object" || webhook === null || Array.isArray(webhook)) {
      throw invalid("webhook subscriptions require webhook.url");
    }
    for (const key of Object.keys(webhook)) {
      if (key !== "url") throw invalid(`unknown field: webhook.${key}`);
    }
    const url = (webhook as { url?: unknown }).url;
    if (typeof url !== "string" || url === "") {
      throw invalid("webhook subscriptions require webhook.url");
    }
    if (url.length > MAX_URL_LENGTH) throw invalid("webhook.url is too long");
    const problem = webhookUrlProblem(url, policy.allowLocalhostWebhooks);
    if (problem) throw new SubscriptionError(400, "WEBHOOK_URL_REJECTED", problem);
    webhookUrl = url;
  } else {
    if (input.webhook !== undefined && input.webhook !== null) {
      throw invalid("webhook is only for webhook subscriptions");
    }
    if (typeof input.wake_stream !== "string") {
      throw invalid("pull-wake subscriptions require wake_stream");
    }
    const problem = streamPathProblem(input.wake_stream);
    if (problem) throw invalid(`wake_stream: ${problem}`);
    wakeStream = input.wake_stream;
  }

  let leaseTtlMs = DEFAULT_LEASE_TTL_MS;
  if (input.lease_ttl_ms !== undefined && input.lease_ttl_ms !== null) {
    const ttl = input.lease_ttl_ms;
    if (
      typeof ttl !== "number" ||
      !Number.isInteger(ttl) ||
      ttl < MIN_LEASE_TTL_MS ||
      ttl > MAX_LEASE_TTL_MS
    ) {
      throw invalid(
        `lease_ttl_ms must be an integer from ${MIN_LEASE_TTL_MS} to ${MAX_LEASE_TTL_MS}`,
      );
    }
    leaseTtlMs = ttl;
  }

  let description: string | null = null;
  if (input.description !== undefined && input.description !== null) {
    if (typeof input.description !== "string") throw invalid("description must be a string");
    if (input.description.length > MAX_DESCRIPTION_LENGTH) {
      throw invalid(`description is longer than ${MAX_DESCRIPTION_LENGTH} characters`);
    }
    description = input.description;
  }

  return { type, pattern, streams, webhookUrl, wakeStream, leaseTtlMs, description };
}

/**
 * Hex SHA-256 of the normalized configuration in a fixed field order: equal
 * for requests that differ only in field order, stream order or duplicates.
 */
export async function configHash(config: SubscriptionConfig): Promise<string> {
  const canonical = JSON.stringify([
    config.type,
    config.pattern,
    config.streams,
    config.webhookUrl,
    config.wakeStream,
    config.leaseTtlMs,
    config.description,
  ]);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
