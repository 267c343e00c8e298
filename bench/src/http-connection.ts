/** One keep-alive HTTP/1.1 connection over a raw socket; one request at a time. */

import { connect, type Socket } from "node:net";
import { HttpResponseParser, type ResponseHead } from "./http-response-parser.js";

export interface HttpResponse extends ResponseHead {
  /** Body bytes, unless the request asked to discard them. */
  readonly body: Buffer;
  readonly bodyLength: number;
}

export interface RequestOptions {
  /** The request is a HEAD: the response has no body. */
  readonly head?: boolean;
  /** Count body bytes without keeping them. */
  readonly discardBody?: boolean;
}

interface InFlight {
  readonly options: RequestOptions;
  readonly resolve: (response: HttpResponse) => void;
  readonly reject: (error: Error) => void;
  head?: ResponseHead;
  chunks: Buffer[];
  bodyLength: number;
}

/** Builds the text of a request. */
export function formatRequest(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Buffer {
  let text = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
  if (body !== undefined) text += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  text += "\r\n";
  return body === undefined
    ? Buffer.from(text)
    : Buffer.concat([Buffer.from(text), Buffer.from(body)]);
}

export class HttpConnection {
  readonly #socket: Socket;
  readonly #parser: HttpResponseParser;
  #inFlight: InFlight | undefined;
  #closedError: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.#parser = new HttpResponseParser({
      onHead: (head) => {
        if (this.#inFlight) this.#inFlight.head = head;
      },
      onBody: (chunk) => {
        const current = this.#inFlight;
        if (!current) return;
        current.bodyLength += chunk.length;
        if (!current.options.discardBody) current.chunks.push(chunk);
      },
      onEnd: () => {
        const current = this.#inFlight;
        if (!current) return;
        this.#inFlight = undefined;
        const body =
          current.chunks.length === 1 ? current.chunks[0]! : Buffer.concat(current.chunks);
        current.resolve({ ...current.head!, body, bodyLength: current.bodyLength });
      },
    });
    socket.on("data", (data: Buffer) => this.#parser.push(data));
    const fail = (error: Error) => {
      this.#closedError ??= error;
      const current = this.#inFlight;
      this.#inFlight = undefined;
      current?.reject(this.#closedError);
    };
    socket.on("error", fail);
    socket.on("close", () => fail(new Error("connection closed")));
  }

  static connect(port: number): Promise<HttpConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port, noDelay: true });
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new HttpConnection(socket));
      });
      socket.once("error", reject);
    });
  }

  get closed(): boolean {
    return this.#closedError !== undefined;
  }

  request(raw: Buffer, options: RequestOptions = {}): Promise<HttpResponse> {
    if (this.#closedError) return Promise.reject(this.#closedError);
    if (this.#inFlight) return Promise.reject(new Error("a request is already in flight"));
    return new Promise((resolve, reject) => {
      this.#inFlight = { options, resolve, reject, chunks: [], bodyLength: 0 };
      if (options.head) this.#parser.expectNoBody();
      this.#socket.write(raw);
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}
