/** JSON bodies in and out of the reserved routes. */

import type { EngineRequest, EngineResponse } from "../http/http-types.js";
import { readBody } from "../http/read-body.js";
import { invalid, SubscriptionError } from "../subscriptions/errors.js";

/** Largest JSON body a control request may carry. */
const MAX_CONTROL_BODY_BYTES = 1024 * 1024;

const encoder = new TextEncoder();
// `ignoreBOM` spelled out: the Workers runtime types require it (the value is the default).
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** A JSON response. */
export function jsonReply(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): EngineResponse {
  return {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
    body: [encoder.encode(JSON.stringify(value))],
  };
}

/** 204 No Content. */
export const NO_CONTENT: EngineResponse = { status: 204, headers: {}, body: null };

/** The error response of a `SubscriptionError`. */
export function errorReply(error: SubscriptionError): EngineResponse {
  return jsonReply(
    error.status,
    { error: { code: error.code, message: error.message, ...error.fields } },
    error.headers,
  );
}

/** Runs a handler, answering `SubscriptionError`s with their JSON error bodies. */
export async function replying(run: () => Promise<EngineResponse>): Promise<EngineResponse> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof SubscriptionError) return errorReply(error);
    throw error;
  }
}

/** The request body parsed as JSON (an empty body is `{}`); 400 when it is not JSON. */
export async function readJson(request: EngineRequest): Promise<unknown> {
  const bytes = await readBody(request, MAX_CONTROL_BODY_BYTES);
  if (bytes.length === 0) return {};
  try {
    return JSON.parse(decoder.decode(bytes)) as unknown;
  } catch {
    throw invalid("the body is not valid JSON");
  }
}

/** The bearer token of the request, or null. */
export function bearerToken(request: EngineRequest): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.header("authorization") ?? "");
  return match ? match[1]! : null;
}
