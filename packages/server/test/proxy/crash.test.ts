/**
 * `kill -9` of the server while an upstream response is arriving: what was
 * acknowledged into the stream survives, and after the restart the stream
 * says the response was cut (closed, `Upstream-Outcome: interrupted`)
 * instead of staying open forever. The pre-signed URL still works (its key
 * is the server secret).
 */

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawnServer, startTestServer, testCleanups } from "../helpers.js";
import { type MockUpstream, startMockUpstream } from "./mock-upstream.js";
import { at, create, created, joined, readToEnd, SECRET, SERVICE, text } from "./proxy-client.js";

let upstream: MockUpstream;

beforeAll(async () => {
  upstream = await startMockUpstream();
});

afterAll(async () => {
  await upstream?.close();
});

describe("kill -9 mid-upstream-call", () => {
  const cleanups = testCleanups();

  test("acknowledged bytes survive; after restart the stream is closed as interrupted", async () => {
    const dir = cleanups.tempDir();
    const args = [
      "--data-dir",
      dir,
      "--proxy-allowlist",
      `${upstream.url}/**`,
      "--proxy-allow-localhost",
    ];
    const env = { STREAMS_SECRET: SECRET };
    const first = await spawnServer(args, env);
    cleanups.defer(() => {
      first.process.kill("SIGKILL");
    });
    const response = upstream.controlled("crash");
    const location = await created(
      create(`${first.url}/v1/proxy`, `${upstream.url}/controlled/crash`),
    );
    response.write("acknowledged before the crash");
    // Read until the bytes are visible: visible means durable.
    let offset = "-1";
    let seen = "";
    while (seen !== "acknowledged before the crash") {
      const res = await fetch(at(location, offset, offset === "-1" ? undefined : "long-poll"));
      seen += await res.text();
      offset = res.headers.get("stream-next-offset")!;
    }
    first.process.kill("SIGKILL");
    await first.exited;
    await response.closed;

    const second = await spawnServer(args, env);
    cleanups.defer(async () => {
      second.process.kill("SIGTERM");
      await second.exited;
    });
    const moved = new URL(location);
    const restarted = `${second.url}${moved.pathname}${moved.search}`;
    const steps = await readToEnd(restarted);
    expect(text(joined(steps))).toBe("acknowledged before the crash");
    expect(steps.at(-1)!.closed).toBe(true);
    const url = new URL(restarted);
    const meta = await fetch(`${url.origin}${url.pathname}`, { method: "HEAD", headers: SERVICE });
    expect(meta.headers.get("stream-closed")).toBe("true");
    expect(meta.headers.get("upstream-outcome")).toBe("interrupted");
  }, 60_000);
});

describe("shutdown mid-upstream-call", () => {
  const cleanups = testCleanups();

  test("a graceful stop closes the stream as interrupted before the store closes", async () => {
    const dataDir = cleanups.tempDir();
    const options = {
      dataDir,
      secret: SECRET,
      proxy: { allowlist: [`${upstream.url}/**`], allowLocalhost: true },
    };
    const first = await startTestServer(options);
    const response = upstream.controlled("shutdown");
    const location = await created(
      create(`${first.url}/v1/proxy`, `${upstream.url}/controlled/shutdown`),
    );
    response.write("said before the stop");
    for (let seen = ""; seen !== "said before the stop"; ) {
      seen = await (await fetch(at(location, "-1"))).text();
    }
    await first.close();
    await response.closed;
    const second = await startTestServer(options);
    cleanups.defer(() => second.close());
    const moved = new URL(location);
    const steps = await readToEnd(`${second.url}${moved.pathname}${moved.search}`);
    expect(text(joined(steps))).toBe("said before the stop");
    const meta = await fetch(`${second.url}${moved.pathname}`, {
      method: "HEAD",
      headers: SERVICE,
    });
    expect(meta.headers.get("upstream-outcome")).toBe("interrupted");
  });
});
