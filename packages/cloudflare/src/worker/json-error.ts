/** Error responses the Worker gives itself, shaped like the engine's. */

import { adapterJsonHeaders } from "@durastream/server-core";

/** `{"error":{"code","message"}}` with the security and CORS headers of every response. */
export function jsonError(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: adapterJsonHeaders(),
  });
}
