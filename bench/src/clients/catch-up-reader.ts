/**
 * Fills a JSON stream with `totalBytes` of 90-byte messages (large array
 * appends), then reads it from the start with one client: GET, follow
 * Stream-Next-Offset, until Stream-Up-To-Date. Reports read MB/s.
 */

import { formatRequest, HttpConnection } from "../http-connection.js";
import { clientArguments, emit, runClient } from "./client-protocol.js";
import { messageOfSize } from "./payload.js";

interface Arguments {
  readonly port: number;
  readonly path: string;
  readonly totalBytes: number;
  readonly messageBytes: number;
  readonly appendBytes: number;
  /** Sent as `Accept-Encoding` on reads when set (the body is counted as it arrives, not decoded). */
  readonly acceptEncoding?: string;
}

runClient(async () => {
  const args = clientArguments<Arguments>();
  const connection = await HttpConnection.connect(args.port);
  const created = await connection.request(
    formatRequest("PUT", args.path, { "Content-Type": "application/json" }, ""),
  );
  if (created.status !== 201) throw new Error(`create answered ${created.status}`);

  const perAppend = Math.floor(args.appendBytes / (args.messageBytes + 1));
  let written = 0;
  let sequence = 0;
  const fillStarted = performance.now();
  while (written < args.totalBytes) {
    const messages: string[] = [];
    for (let i = 0; i < perAppend && written < args.totalBytes; i++) {
      messages.push(messageOfSize(sequence++, 0, args.messageBytes));
      written += args.messageBytes;
    }
    const body = `[${messages.join(",")}]`;
    const response = await connection.request(
      formatRequest("POST", args.path, { "Content-Type": "application/json" }, body),
      { discardBody: true },
    );
    if (response.status >= 300) throw new Error(`append answered ${response.status}`);
  }
  const fillMs = performance.now() - fillStarted;

  let offset = "-1";
  let bytesRead = 0;
  let requests = 0;
  const readStarted = performance.now();
  for (;;) {
    const response = await connection.request(
      formatRequest(
        "GET",
        `${args.path}?offset=${offset}`,
        args.acceptEncoding ? { "Accept-Encoding": args.acceptEncoding } : {},
      ),
      {
        discardBody: true,
      },
    );
    requests++;
    if (response.status !== 200) throw new Error(`read answered ${response.status}`);
    bytesRead += response.bodyLength;
    offset = response.headers.get("stream-next-offset") ?? offset;
    if (response.headers.has("stream-up-to-date")) break;
    if (requests > 1_000_000) throw new Error("read did not reach the tail");
  }
  const readMs = performance.now() - readStarted;
  connection.close();
  emit("result", {
    messages: sequence,
    storedBytes: written,
    fillMs,
    bytesRead,
    requests,
    readMs,
    megabytesPerSecond: bytesRead / 1e6 / (readMs / 1000),
    // Bytes on the wire, and the stream's data per second (what a decoding client gets).
    wireBytes: bytesRead,
    dataMegabytesPerSecond: written / 1e6 / (readMs / 1000),
  });
});
