/** The JSON error responses the Node adapter answers itself, before or beside the engine. */

import { adapterJsonHeaders, type EngineResponse } from "@durastream/server-core";

const encoder = new TextEncoder();

/** `{"error":{"code","message"}}` with the headers every error response carries. */
export function jsonError(status: number, code: string, message: string): EngineResponse {
  return {
    status,
    headers: adapterJsonHeaders(),
    body: [encoder.encode(JSON.stringify({ error: { code, message } }))],
  };
}

/** How long a client refused for load waits before retrying, in seconds. */
export const RETRY_AFTER = { "retry-after": "1" } as const;

/** 503 with `Retry-After`; `close` when the request's body is left unread. */
export function overloaded(message: string, close: boolean): EngineResponse {
  const response = jsonError(503, "OVERLOADED", message);
  Object.assign(response.headers, RETRY_AFTER);
  return close ? withConnectionClose(response) : response;
}

/** `response`, asking node:http to close the connection after it. */
export function withConnectionClose(response: EngineResponse): EngineResponse {
  return { ...response, headers: { ...response.headers, connection: "close" } };
}
