/**
 * A request refused before its body was read (503 over the body budget, 404,
 * 413 by its declared length, …) while its client may still be sending it.
 * Closing at once resets the connection under the client's writes: it sees
 * EPIPE, never the answer. So the body is read and discarded (no memory is
 * held) up to `maxDrainBytes`, and the connection stays usable; a body
 * declared larger is not worth receiving (closed after the answer), and a
 * chunked one that turns out larger is cut off there. A client that sent
 * `Expect: 100-continue` was never asked for its body: closed after the answer.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { EngineResponse } from "@durastream/server-core";
import { deferredContinue } from "./expect-continue.js";
import { withConnectionClose } from "./json-responses.js";

/** `response` as it must go out for a refused request whose body is unread; starts the drain. */
export function drainRefused(
  req: IncomingMessage,
  res: ServerResponse,
  response: EngineResponse,
  maxDrainBytes: number,
): EngineResponse {
  if (req.readableEnded) return response;
  // A refusal that asks for the close itself (429 to a client over its rate) keeps it.
  if (response.headers.connection === "close") {
    req.resume();
    return response;
  }
  const declared = req.headers["content-length"];
  if (
    deferredContinue(res) !== undefined ||
    (declared !== undefined && Number(declared) > maxDrainBytes)
  ) {
    req.resume();
    return withConnectionClose(response);
  }
  let drained = 0;
  req.on("data", (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > maxDrainBytes) req.socket.destroy();
  });
  req.resume();
  return response;
}
