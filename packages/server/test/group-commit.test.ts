/**
 * Appends to one stream that arrive together are committed in one group
 * (and stored as one chunk): each must still get its own offset, read back
 * exactly where that offset says, before and after a restart, and every
 * producer's state must be committed with the data.
 */

import { connect, type Socket } from "node:net";
import { describe, expect, test } from "vitest";
import { startTestServer, streamUrl, testCleanups } from "./helpers.js";

interface RawResponse {
  readonly status: number;
  readonly headers: Map<string, string>;
}

/**
 * Sends every request on its own, already connected socket in one go, so
 * they reach the server together (fetch would trickle them in).
 */
async function sendTogether(
  port: number,
  requests: ReadonlyArray<{ path: string; headers: Record<string, string>; body: string }>,
): Promise<RawResponse[]> {
  const sockets = await Promise.all(
    requests.map(
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect({ host: "127.0.0.1", port }, () => resolve(socket));
          socket.once("error", reject);
        }),
    ),
  );
  const responses = sockets.map(
    (socket) =>
      new Promise<RawResponse>((resolve, reject) => {
        let text = "";
        socket.setEncoding("latin1");
        socket.on("data", (data: string) => {
          text += data;
          const end = text.indexOf("\r\n\r\n");
          if (end === -1) return;
          const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
          const headers = new Map<string, string>();
          for (const line of lines) {
            const colon = line.indexOf(":");
            headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
          }
          socket.destroy();
          resolve({ status: Number(statusLine!.split(" ")[1]), headers });
        });
        socket.once("error", reject);
      }),
  );
  for (const [i, { path, headers, body }] of requests.entries()) {
    let head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    sockets[i]!.write(`${head}\r\n${body}`);
  }
  return Promise.all(responses);
}

describe("appends that share a commit", () => {
  const cleanups = testCleanups();

  test("concurrent appends to one stream each read back at their own offset", async () => {
    const dir = cleanups.tempDir();
    let server = await startTestServer({ dataDir: dir });
    let url = streamUrl(server, "together");
    await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } });
    const messages = Array.from({ length: 64 }, (_, i) => `message-${i}-${"y".repeat(i)}|`);
    const responses = await sendTogether(
      server.port,
      messages.map((body) => ({
        path: "/v1/stream/together",
        headers: { "content-type": "text/plain" },
        body,
      })),
    );
    expect(responses.map((res) => res.status)).toEqual(messages.map(() => 204));
    const ends = responses.map((res) =>
      Number(res.headers.get("stream-next-offset")!.split("_")[1]),
    );
    const check = async () => {
      const whole = await (await fetch(`${url}?offset=-1`)).text();
      expect(whole.length).toBe(messages.join("").length);
      for (const [i, end] of ends.entries()) {
        const start = end - messages[i]!.length;
        expect(whole.slice(start, end)).toBe(messages[i]);
      }
      expect(new Set(ends).size).toBe(messages.length);
    };
    await check();
    // The appends shared commits, yet each is its own data boundary for fork sub-offsets.
    const second = ends.indexOf(Math.min(...ends.filter((end) => end > Math.min(...ends))));
    const first = ends.indexOf(Math.min(...ends));
    const fork = (subOffset: number) =>
      fetch(streamUrl(server, `together-fork-${subOffset}`), {
        method: "PUT",
        headers: {
          "content-type": "text/plain",
          "stream-forked-from": "/v1/stream/together",
          "stream-fork-offset": `${"0".repeat(16)}_${String(ends[first]).padStart(16, "0")}`,
          "stream-fork-sub-offset": String(subOffset),
        },
      });
    const secondLength = messages[second]!.length;
    expect((await fork(secondLength)).status).toBe(201);
    expect((await fork(secondLength + 1)).status).toBe(400);
    await server.close();
    server = await startTestServer({ dataDir: dir });
    cleanups.defer(() => server.close());
    url = streamUrl(server, "together");
    await check();
  });

  test("pipelined producers on one stream keep their state through a restart", async () => {
    const dir = cleanups.tempDir();
    let server = await startTestServer({ dataDir: dir });
    const path = "producers";
    await fetch(streamUrl(server, path), {
      method: "PUT",
      headers: { "content-type": "application/json" },
    });
    const producers = ["a", "b", "c", "d", "e", "f", "g", "h"];
    const request = (producer: string, seq: number) => ({
      path: `/v1/stream/${path}`,
      headers: {
        "content-type": "application/json",
        "producer-id": producer,
        "producer-epoch": "3",
        "producer-seq": String(seq),
      },
      body: JSON.stringify({ producer, seq }),
    });
    const send = (producer: string, seq: number) => {
      const { headers, body } = request(producer, seq);
      return fetch(streamUrl(server, path), { method: "POST", headers, body });
    };
    // Wave by wave, every producer's next request at once: most of a wave
    // shares one commit, so one batch carries several producers' state.
    for (let seq = 0; seq < 10; seq++) {
      const responses = await sendTogether(
        server.port,
        producers.map((producer) => request(producer, seq)),
      );
      expect(responses.map((res) => res.status)).toEqual(producers.map(() => 200));
    }
    await server.close();

    server = await startTestServer({ dataDir: dir });
    cleanups.defer(() => server.close());
    for (const producer of producers) {
      const retry = await send(producer, 9);
      expect(retry.status).toBe(204);
      expect(retry.headers.get("producer-seq")).toBe("9");
      const next = await send(producer, 10);
      expect(next.status).toBe(200);
    }
    const stored = (await (await fetch(`${streamUrl(server, path)}?offset=-1`)).json()) as Array<{
      producer: string;
      seq: number;
    }>;
    for (const producer of producers) {
      expect(stored.filter((m) => m.producer === producer).map((m) => m.seq)).toEqual(
        Array.from({ length: 11 }, (_, i) => i),
      );
    }
  });
});
