/**
 * Answers for requests node:http itself refuses before any handler runs:
 * parse errors (bad chunk sizes, oversized heads, unknown methods, bad
 * header bytes), request timeouts, and `CONNECT`. Node's own answers are
 * empty, non-JSON replies (or, for `CONNECT`, a dropped connection); these
 * are the same JSON error bodies every other bad request gets, after which
 * the connection is closed (the parser cannot resynchronize). When no
 * response can be written any more the connection is just destroyed.
 */

import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { adapterJsonHeaders } from "@durastream/server-core";

const REASONS: Record<number, string> = {
  400: "Bad Request",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
};

/** The raw bytes of a JSON error response that closes the connection. */
function rawJsonError(
  status: number,
  code: string,
  message: string,
  extraHeaders: Record<string, string> = {},
): string {
  const body = JSON.stringify({ error: { code, message } });
  const headers: Record<string, string> = {
    ...adapterJsonHeaders(),
    "content-length": String(Buffer.byteLength(body)),
    connection: "close",
    ...extraHeaders,
  };
  let head = `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  return `${head}\r\n${body}`;
}

const ALLOW = { allow: "GET, HEAD, PUT, POST, DELETE, OPTIONS" };

/** A request line starting with a well-formed method token (RFC 9110 §9.1). */
const METHOD_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ /;

/**
 * The start of the request line the parser failed in: the packet may hold
 * earlier pipelined requests, so the line begins after the last line break
 * before the failure.
 */
function requestLineAt(rawPacket: Buffer | undefined, bytesParsed: number | undefined): string {
  if (rawPacket === undefined) return "";
  const failedAt = Math.min(bytesParsed ?? 0, rawPacket.length);
  const start = rawPacket.lastIndexOf(0x0a, Math.max(0, failedAt - 1)) + 1;
  return rawPacket.toString("latin1", start, start + 64);
}

/** The response for a node:http client error, by its code and the bytes that caused it. */
function responseFor(
  code: string | undefined,
  rawPacket: Buffer | undefined,
  bytesParsed: number | undefined,
): string {
  switch (code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return rawJsonError(408, "REQUEST_TIMEOUT", "request not received in time");
    case "HPE_HEADER_OVERFLOW":
      return rawJsonError(431, "HEADERS_TOO_LARGE", "request line and headers are too large");
    case "HPE_INVALID_METHOD":
      // A method this server does not know is not allowed; bytes that are no method are garbage.
      if (requestLineAt(rawPacket, bytesParsed).match(METHOD_TOKEN)) {
        return rawJsonError(405, "METHOD_NOT_ALLOWED", "method not allowed", ALLOW);
      }
      return rawJsonError(400, "BAD_REQUEST", "malformed request line");
    case "HPE_INVALID_CHUNK_SIZE":
      return rawJsonError(400, "BAD_REQUEST", "malformed chunked request body");
    case "HPE_INVALID_CONTENT_LENGTH":
    case "HPE_UNEXPECTED_CONTENT_LENGTH":
      return rawJsonError(400, "BAD_REQUEST", "malformed or conflicting Content-Length");
    case "HPE_INVALID_TRANSFER_ENCODING":
      return rawJsonError(400, "BAD_REQUEST", "unsupported Transfer-Encoding");
    case "HPE_INVALID_URL":
      return rawJsonError(400, "BAD_REQUEST", "malformed request target");
    case "HPE_INVALID_VERSION":
      return rawJsonError(400, "BAD_REQUEST", "unsupported HTTP version");
    default:
      return rawJsonError(400, "BAD_REQUEST", `malformed HTTP request (${code ?? "parse error"})`);
  }
}

/** A response still owned by node:http on this socket (a handler is running). */
interface SocketInternals {
  readonly _httpMessage?: {
    readonly headersSent: boolean;
    readonly req?: { readonly complete: boolean };
    once(event: "finish", listener: () => void): unknown;
  } | null;
}

/**
 * Installs the `clientError` and `connect` handlers on `server`.
 * `onError` sees every client error (for logs).
 */
export function answerClientErrors(server: Server, onError: (error: Error) => void): void {
  server.on(
    "clientError",
    (
      error: NodeJS.ErrnoException & { rawPacket?: Buffer; bytesParsed?: number },
      socket: Duplex,
    ) => {
      onError(error);
      const pending = (socket as unknown as SocketInternals)._httpMessage;
      if (error.code === "ECONNRESET" || error.code === "EPIPE" || !socket.writable) {
        socket.destroy();
        return;
      }
      const answer = () => {
        // Destroyed once flushed: node:http allows half-open sockets, and a
        // client that never closes its side would otherwise keep this one.
        if (socket.writable)
          socket.end(responseFor(error.code, error.rawPacket, error.bytesParsed), () =>
            socket.destroy(),
          );
        else socket.destroy();
      };
      if (pending == null) {
        answer();
        return;
      }
      // The error is in the body of the request in flight: answer it, unless
      // its answer is already under way.
      if (pending.req?.complete === false) {
        if (pending.headersSent) socket.destroy();
        else answer();
        return;
      }
      // The error is in a request pipelined behind one still in flight: answer
      // once that one's response is out, or the client would take this answer for it.
      pending.once("finish", answer);
    },
  );
  // CONNECT asks the server to be a tunnel; it is not one. (Authority-form
  // targets never reach the stream routes.)
  server.on("connect", (_req: IncomingMessage, socket: Duplex) => {
    socket.on("error", () => {});
    socket.end(
      rawJsonError(405, "METHOD_NOT_ALLOWED", "CONNECT is not supported: not a proxy", ALLOW),
      () => socket.destroy(),
    );
  });
}
