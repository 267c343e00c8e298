/**
 * Slowloris: connections that send nothing, half a request head, or half a
 * body are closed by the header and request timeouts, and connections past
 * the cap are closed on accept, while the server keeps answering. The server
 * runs as a child process (limits from its environment variables) so its
 * memory is its own; RSS is printed, not asserted against a clock.
 */

import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import { describe, expect, test } from "vitest";
import { openSocket } from "../../../test-support/raw-http.js";
import { type ChildServer, spawnServer, testCleanups } from "./helpers.js";

const CONNECTIONS = 150;

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Resolves with what the server sent once it closes the connection. */
function closedByServer(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let received = "";
    socket.on("data", (data: Buffer) => {
      received += data.toString("latin1");
    });
    socket.on("error", () => {});
    socket.once("close", () => resolve(received));
  });
}

async function stop(server: ChildServer): Promise<void> {
  server.process.kill("SIGTERM");
  await server.exited;
}

describe("slowloris", () => {
  const cleanups = testCleanups();

  test("idle, half-sent heads and half-sent bodies are closed by the timeouts", async () => {
    const server = await spawnServer(["--data-dir", cleanups.tempDir()], {
      STREAMS_HEADERS_TIMEOUT_MS: "300",
      STREAMS_REQUEST_TIMEOUT_MS: "600",
    });
    cleanups.defer(() => stop(server));
    const pid = server.process.pid!;
    const stream = `${server.url}/v1/stream/loris`;
    expect(
      (await fetch(stream, { method: "PUT", headers: { "content-type": "text/plain" } })).status,
    ).toBe(201);
    const before = rssMiB(pid);

    const sockets = await Promise.all(
      Array.from({ length: CONNECTIONS }, () => openSocket(server.url)),
    );
    const closed = sockets.map(closedByServer);
    sockets.forEach((socket, i) => {
      if (i % 3 === 1) socket.write("POST /v1/stream/loris HTTP/1.1\r\nHost: x\r\nX-Slow: ");
      if (i % 3 === 2) {
        socket.write(
          "POST /v1/stream/loris HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n" +
            "Content-Length: 1000\r\n\r\nonly part of the body",
        );
      }
    });
    // While they hang, the server still serves others.
    expect((await fetch(`${stream}?offset=-1`)).status).toBe(200);
    const during = rssMiB(pid);

    const answers = await Promise.all(closed);
    const timedOut = answers.filter((answer) => answer.startsWith("HTTP/1.1 408")).length;
    console.log(
      `slowloris: ${CONNECTIONS} connections closed by the server (${timedOut} with a 408 JSON error); ` +
        `server RSS ${before.toFixed(1)} → ${during.toFixed(1)} → ${rssMiB(pid).toFixed(1)} MiB`,
    );
    for (const answer of answers.filter((a) => a !== "")) {
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain('"code":"REQUEST_TIMEOUT"');
    }
    // The half-sent bodies never became data.
    const body = await (await fetch(`${stream}?offset=-1`)).text();
    expect(body).toBe("");
  });

  test("connections beyond the cap are closed on accept; the ones below it are served", async () => {
    const server = await spawnServer(["--data-dir", cleanups.tempDir()], {
      STREAMS_MAX_CONNECTIONS: "20",
    });
    cleanups.defer(() => stop(server));
    const sockets = await Promise.all(Array.from({ length: 40 }, () => openSocket(server.url)));
    let closedCount = 0;
    const firstClosed = new Promise<void>((resolve) => {
      for (const socket of sockets) {
        socket.on("error", () => {});
        socket.once("close", () => {
          if (++closedCount === 20) resolve();
        });
      }
    });
    await firstClosed;
    console.log(`max connections 20: ${closedCount} of 40 connections closed on accept`);
    const open = sockets.find((socket) => !socket.destroyed)!;
    const answer = new Promise<string>((resolve) =>
      open.once("data", (d: Buffer) => resolve(d.toString())),
    );
    open.write("GET /v1/stream/none HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(await answer).toMatch(/^HTTP\/1\.1 404 /);
    for (const socket of sockets) socket.destroy();
  });
});
