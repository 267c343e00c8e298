/**
 * `Expect` handling. node:http answers `Expect: 100-continue` with 100 before
 * any handler runs unless the server takes `checkContinue`; durastream does,
 * and sends the 100 only once the engine reads the body, so an upload
 * refused first (401, 404, 413, 503) is never asked for its body. Any other
 * expectation gets a JSON 417.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { jsonError } from "./json-responses.js";

/** Node's own fields of a response to an `Expect: 100-continue` request. */
interface ContinueInternals {
  readonly _expect_continue?: boolean;
  readonly _sent100?: boolean;
}

/**
 * What to run when the engine first reads the body: send the `100 Continue`
 * node:http left to us, if it did; undefined otherwise.
 */
export function deferredContinue(res: ServerResponse): (() => void) | undefined {
  const internals = res as unknown as ContinueInternals;
  if (!internals._expect_continue || internals._sent100) return undefined;
  return () => {
    if (!internals._sent100 && !res.headersSent) res.writeContinue();
  };
}

/**
 * Answers a request whose `Expect` is not `100-continue` (node:http's
 * `checkExpectation`): 417 with the JSON error body, connection closed since
 * the client may or may not send its body.
 */
export function refuseExpectation(_req: IncomingMessage, res: ServerResponse): void {
  const { status, headers, body } = jsonError(
    417,
    "EXPECTATION_FAILED",
    "only Expect: 100-continue is supported",
  );
  const bytes = (body as Uint8Array[])[0]!;
  res.writeHead(status, { ...headers, "content-length": bytes.length, connection: "close" });
  res.end(bytes);
}
