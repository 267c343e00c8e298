/** Bearer-secret authentication and graceful shutdown of a running server process. */

import { describe, expect, test } from "vitest";
import { spawnServer, tempDir, testCleanups } from "./helpers.js";

describe("STREAMS_SECRET", () => {
  const cleanups = testCleanups();

  test("every request needs the bearer secret; CORS preflight does not", async () => {
    const dir = cleanups.tempDir();
    const server = await spawnServer(["--data-dir", dir, "--cors-origin", "http://app.example"], {
      STREAMS_SECRET: "s3cret",
    });
    try {
      const url = `${server.url}/v1/stream/private`;
      const anonymous = await fetch(url, { method: "PUT" });
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe(
        "UNAUTHORIZED",
      );
      expect(
        (await fetch(url, { method: "PUT", headers: { authorization: "Bearer wrong" } })).status,
      ).toBe(401);
      expect(
        (await fetch(url, { method: "PUT", headers: { authorization: "Bearer s3cret" } })).status,
      ).toBe(201);
      expect(
        (await fetch(url, { method: "HEAD", headers: { authorization: "Bearer s3cret" } })).status,
      ).toBe(200);
      const preflight = await fetch(url, {
        method: "OPTIONS",
        headers: {
          origin: "http://app.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, producer-id",
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain(
        "producer-id",
      );
      expect(preflight.headers.get("access-control-allow-origin")).toBe("http://app.example");
      const otherOrigin = await fetch(url, {
        method: "OPTIONS",
        headers: { origin: "http://other.example", "access-control-request-method": "POST" },
      });
      expect(otherOrigin.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      server.process.kill("SIGTERM");
      await server.exited;
    }
  });
});

describe("graceful shutdown", () => {
  test("SIGTERM ends live readers cleanly, closes the database and exits 0", async () => {
    const { dir, cleanup } = tempDir();
    try {
      // Room for exactly the two live readers below: once both are in, a
      // third live read of the stream is refused, which tells the test the
      // server holds them (no sleep standing in for that).
      const server = await spawnServer(["--data-dir", dir, "--max-live-readers-per-stream", "2"]);
      const url = `${server.url}/v1/stream/live`;
      await fetch(url, {
        method: "PUT",
        headers: { "content-type": "text/plain" },
        body: "before",
      });
      const tail = (await fetch(url, { method: "HEAD" })).headers.get("stream-next-offset");

      const sse = await fetch(`${url}?offset=-1&live=sse`);
      const reader = sse.body!.getReader();
      const sseText = (async () => {
        let text = "";
        const decoder = new TextDecoder();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return text;
          text += decoder.decode(value, { stream: true });
        }
      })();
      const longPoll = fetch(`${url}?offset=${tail}&live=long-poll`);
      // A live read from the start is answered at once while there is room
      // (200 with the data), and refused (503) once both readers are held.
      for (;;) {
        const probe = await fetch(`${url}?offset=-1&live=long-poll`);
        await probe.arrayBuffer();
        if (probe.status === 503) break;
        expect(probe.status).toBe(200);
      }

      server.process.kill("SIGTERM");
      const poll = await longPoll;
      expect(poll.status).toBe(204);
      expect(await sseText).toContain("before");
      expect(await server.exited).toBe(0);

      const restarted = await spawnServer(["--data-dir", dir]);
      const again = await fetch(`${restarted.url}/v1/stream/live?offset=-1`);
      expect(await again.text()).toBe("before");
      restarted.process.kill("SIGTERM");
      expect(await restarted.exited).toBe(0);
    } finally {
      cleanup();
    }
  });
});
