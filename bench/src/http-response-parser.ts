/**
 * Incremental HTTP/1.1 response parser: status line and headers, then a body
 * framed by Content-Length, chunked transfer coding, or nothing (204/304/HEAD).
 * Just enough HTTP for load clients that must not be the bottleneck.
 */

const CRLF_CRLF = Buffer.from("\r\n\r\n");
const CRLF = Buffer.from("\r\n");

export interface ResponseHead {
  readonly status: number;
  /** Header names lower-cased; the last value wins. */
  readonly headers: ReadonlyMap<string, string>;
}

export interface ResponseCallbacks {
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
  onEnd(): void;
}

type State =
  | "head"
  | "length"
  | "chunk-size"
  | "chunk-data"
  | "chunk-data-end"
  | "trailer"
  | "until-close";

export class HttpResponseParser {
  readonly #callbacks: ResponseCallbacks;
  #state: State = "head";
  #pending: Buffer | undefined;
  #remaining = 0;
  #expectBody = true;

  constructor(callbacks: ResponseCallbacks) {
    this.#callbacks = callbacks;
  }

  /** The next response answers a HEAD request (no body whatever the headers say). */
  expectNoBody(): void {
    this.#expectBody = false;
  }

  push(data: Buffer): void {
    let input = this.#pending ? Buffer.concat([this.#pending, data]) : data;
    this.#pending = undefined;
    while (input.length > 0) {
      const consumed = this.#step(input);
      if (consumed < 0) {
        this.#pending = input;
        return;
      }
      input = input.subarray(consumed);
    }
  }

  /** Consumes a prefix of `input`; -1 when more bytes are needed first. */
  #step(input: Buffer): number {
    switch (this.#state) {
      case "head":
        return this.#parseHead(input);
      case "length":
      case "chunk-data": {
        const take = Math.min(this.#remaining, input.length);
        this.#callbacks.onBody(input.subarray(0, take));
        this.#remaining -= take;
        if (this.#remaining === 0) {
          if (this.#state === "length") this.#finish();
          else this.#state = "chunk-data-end";
        }
        return take;
      }
      case "chunk-data-end":
        if (input.length < 2) return -1;
        this.#state = "chunk-size";
        return 2;
      case "chunk-size": {
        const end = input.indexOf(CRLF);
        if (end < 0) return -1;
        const size = Number.parseInt(input.toString("latin1", 0, end), 16);
        if (size === 0) this.#state = "trailer";
        else {
          this.#remaining = size;
          this.#state = "chunk-data";
        }
        return end + 2;
      }
      case "trailer": {
        const end = input.indexOf(CRLF);
        if (end < 0) return -1;
        if (end === 0) this.#finish();
        return end + 2;
      }
      case "until-close":
        this.#callbacks.onBody(input);
        return input.length;
    }
  }

  #parseHead(input: Buffer): number {
    const end = input.indexOf(CRLF_CRLF);
    if (end < 0) return -1;
    // One string for the head and a scan by index: the load clients parse
    // thousands of heads per second and must not compete with the server for CPU.
    const text = input.toString("latin1", 0, end);
    let lineEnd = text.indexOf("\r\n");
    if (lineEnd < 0) lineEnd = text.length;
    const status = Number(text.slice(9, 12));
    const headers = new Map<string, string>();
    while (lineEnd < text.length) {
      const start = lineEnd + 2;
      lineEnd = text.indexOf("\r\n", start);
      if (lineEnd < 0) lineEnd = text.length;
      const colon = text.indexOf(":", start);
      if (colon < 0 || colon > lineEnd) continue;
      headers.set(
        text.slice(start, colon).trim().toLowerCase(),
        text.slice(colon + 1, lineEnd).trim(),
      );
    }
    this.#callbacks.onHead({ status, headers });
    const length = headers.get("content-length");
    if (!this.#expectBody || status === 204 || status === 304 || status < 200) this.#finish();
    else if (headers.get("transfer-encoding")?.toLowerCase() === "chunked")
      this.#state = "chunk-size";
    else if (length !== undefined) {
      this.#remaining = Number(length);
      if (this.#remaining === 0) this.#finish();
      else this.#state = "length";
    } else this.#state = "until-close";
    return end + 4;
  }

  #finish(): void {
    this.#state = "head";
    this.#expectBody = true;
    this.#callbacks.onEnd();
  }
}
