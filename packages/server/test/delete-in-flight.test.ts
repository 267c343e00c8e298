/**
 * Until a stream's removal commits, its rows are still in SQLite: requests
 * handled meanwhile (here pipelined behind the DELETE, so they are parsed in
 * the same turn) must not bring the stream back from them. Once deleted it
 * is gone for good, and the path can be created afresh.
 */

import { connect } from "node:net";
import { describe, expect, test } from "vitest";
import { startTestServer, streamUrl, testCleanups } from "./helpers.js";

const text = { "content-type": "text/plain" };

/** Sends `requests` pipelined in one write on one connection; resolves with each status line's code. */
function pipelined(port: number, requests: string[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => socket.write(requests.join("")));
    let received = "";
    socket.setEncoding("latin1");
    socket.on("data", (data: string) => {
      received += data;
      const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      if (statuses.length === requests.length) {
        socket.destroy();
        resolve(statuses);
      }
    });
    socket.once("error", reject);
  });
}

describe("a deletion in flight", () => {
  const cleanups = testCleanups();

  test("requests pipelined behind a DELETE do not revive the stream", async () => {
    const server = await startTestServer({ dataDir: cleanups.tempDir() });
    cleanups.defer(() => server.close());
    const url = streamUrl(server, "doomed");
    expect((await fetch(url, { method: "PUT", headers: text, body: "old" })).status).toBe(201);

    const path = "/v1/stream/doomed";
    const statuses = await pipelined(server.port, [
      `DELETE ${path} HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET ${path}?offset=-1 HTTP/1.1\r\nHost: x\r\n\r\n`,
      `HEAD ${path} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ]);
    expect(statuses).toEqual([204, 404, 404]);

    expect((await fetch(`${url}?offset=-1`)).status).toBe(404);
    expect((await fetch(url, { method: "POST", headers: text, body: "late" })).status).toBe(404);
    expect((await fetch(url, { method: "PUT", headers: text, body: "new" })).status).toBe(201);
    expect(await (await fetch(`${url}?offset=-1`)).text()).toBe("new");
  });
});
