/**
 * What the proxy does on Cloudflare beyond the shared protocol suite: the
 * SSRF check a Worker can make (IP literals and `localhost`, as a URL spells
 * them), its settings (off, misconfigured), and the watch alarm of a proxy
 * stream's object — which lets a response arriving across several alarms
 * finish, and ends as `interrupted` a response whose object was restarted
 * mid-way instead of leaving its stream open forever.
 */

import { stream as officialStream } from "@durable-streams/client";
import { stream as ourStream } from "@durastream/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockUpstream, startMockUpstream } from "../../server/test/proxy/mock-upstream.js";
import {
  at,
  create,
  created,
  joined,
  readToEnd,
  SECRET,
  SERVICE,
  text,
} from "../../server/test/proxy/proxy-client.js";
import { bundleWorker } from "../dev/bundle.js";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { keepAliveBelowWorkerd, tempDir } from "./helpers.js";

keepAliveBelowWorkerd();

let upstream: MockUpstream;
let script: string;
const running: LocalWorker[] = [];

beforeAll(async () => {
  upstream = await startMockUpstream();
  script = await bundleWorker();
});

afterAll(async () => {
  for (const worker of running) await worker.close();
  await upstream?.close();
});

async function start(vars: Record<string, string>, persistTo?: string): Promise<LocalWorker> {
  const worker = await startLocalWorker({
    script,
    port: 0,
    vars: { STREAMS_SECRET: SECRET, ...vars },
    ...(persistTo === undefined ? {} : { persistTo }),
  });
  running.push(worker);
  return worker;
}

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, ...body.error };
}

describe("SSRF on Workers", () => {
  it("refuses loopback, private, link-local and unspecified IP literals and localhost names", async () => {
    const port = new URL(upstream.url).port;
    const targets = [
      [`http://127.0.0.1:${port}/sse`, /loopback/],
      [`http://localhost:${port}/sse`, /loopback/],
      [`http://[::1]:${port}/sse`, /loopback/],
      ["http://10.1.2.3/v1", /private/],
      ["http://192.168.0.10/v1", /private/],
      ["http://169.254.169.254/latest/meta-data", /link-local/],
      ["http://0.0.0.0/v1", /not a public unicast|unspecified/],
      ["http://[::ffff:7f00:1]/v1", /loopback/],
    ] as const;
    const allowlist = targets.map(([url]) => `${new URL(url).origin}/**`).join(",");
    const worker = await start({ STREAMS_PROXY_ALLOWLIST: allowlist });
    for (const [target, reason] of targets) {
      const refused = await errorOf(await create(`${worker.url}/v1/proxy`, target));
      expect(refused).toMatchObject({ status: 403, code: "UPSTREAM_NOT_ALLOWED" });
      expect(refused.message).toMatch(reason);
    }
    expect(upstream.requests).toEqual([]);
  });
});

describe("settings on Workers", () => {
  it("without STREAMS_PROXY_ALLOWLIST there is no proxy route; without a key or with a bad glob it says so", async () => {
    const off = await start({});
    expect(await errorOf(await create(`${off.url}/v1/proxy`, `${upstream.url}/sse`))).toMatchObject(
      { status: 404, code: "NOT_FOUND" },
    );
    const keyless = await start({
      STREAMS_SECRET: "",
      STREAMS_ALLOW_ANONYMOUS_WRITES: "1",
      STREAMS_PROXY_ALLOWLIST: `${upstream.url}/**`,
    });
    const refused = await errorOf(await create(`${keyless.url}/v1/proxy`, `${upstream.url}/sse`));
    expect(refused).toMatchObject({ status: 500, code: "PROXY_NOT_CONFIGURED" });
    expect(refused.message).toContain("STREAMS_PROXY_SIGNING_KEY");
    // A malformed allowlist turns the proxy off with its reason; streams keep working.
    const malformed = await start({ STREAMS_PROXY_ALLOWLIST: "api.example.com/**" });
    const bad = await errorOf(await create(`${malformed.url}/v1/proxy`, `${upstream.url}/sse`));
    expect(bad).toMatchObject({ status: 500, code: "PROXY_NOT_CONFIGURED" });
    expect(bad.message).toContain("http://");
    const put = await fetch(`${malformed.url}/v1/stream/still-works`, {
      method: "PUT",
      headers: { authorization: `Bearer ${SECRET}`, "content-type": "text/plain" },
    });
    expect(put.status).toBe(201);
  });

  it("a client cannot choose the object of its stream with the Worker's internal header", async () => {
    const worker = await start({
      STREAMS_PROXY_ALLOWLIST: `${upstream.url}/**`,
      STREAMS_PROXY_ALLOW_LOCALHOST: "1",
    });
    const res = await create(`${worker.url}/v1/proxy`, `${upstream.url}/sse?n=1&delay=1`, {
      headers: { "durastream-proxy-stream-id": "chosen-by-client" },
    });
    expect(res.status).toBe(201);
    expect(new URL(res.headers.get("location")!).pathname).not.toContain("chosen-by-client");
    expect(upstream.requests.at(-1)!.headers["durastream-proxy-stream-id"]).toBeUndefined();
  });
});

describe("live reads of a signed URL", () => {
  it("SSE from before the first byte gets every byte to the closure, with the official client and ours", async () => {
    const worker = await start({
      STREAMS_PROXY_ALLOWLIST: `${upstream.url}/**`,
      STREAMS_PROXY_ALLOW_LOCALHOST: "1",
    });
    for (const [name, client] of [
      ["official", officialStream],
      ["ours", ourStream],
    ] as const) {
      const response = upstream.controlled(`sse-${name}`);
      const location = await created(
        create(`${worker.url}/v1/proxy`, `${upstream.url}/controlled/sse-${name}`),
      );
      const res = await client({ url: location, offset: "-1", live: "sse" });
      const reading = (async () => {
        let received = "";
        for await (const chunk of res.textStream()) received += chunk;
        return received;
      })();
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const part of ["one ", "two ", "three"]) {
        response.write(part);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      response.end();
      expect(await reading, name).toBe("one two three");
    }
  });
});

describe("SSE reads of a signed URL go through the Worker's relay", () => {
  /** Reads an SSE response to its end (or `limitMs`); the text and how long it lasted. */
  async function readSse(url: string, limitMs: number): Promise<{ text: string; ms: number }> {
    const started = Date.now();
    const abort = AbortSignal.timeout(limitMs);
    let text = "";
    try {
      const res = await fetch(url, { signal: abort });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
    } catch (error) {
      if (!abort.aborted) throw error;
    }
    return { text, ms: Date.now() - started };
  }

  it("keep-alives and the connection lifetime apply, as to any stream's SSE", async () => {
    const worker = await start({
      STREAMS_PROXY_ALLOWLIST: `${upstream.url}/**`,
      STREAMS_PROXY_ALLOW_LOCALHOST: "1",
      LONG_POLL_TIMEOUT_MS: "300",
      SSE_MAX_CONNECTION_MS: "1500",
    });
    const response = upstream.controlled("sse-lifetime");
    const location = await created(
      create(`${worker.url}/v1/proxy`, `${upstream.url}/controlled/sse-lifetime`),
    );
    try {
      const { text, ms } = await readSse(at(location, "-1", "sse"), 6_000);
      expect(ms).toBeLessThan(5_000); // closed by the relay at its lifetime, not held open
      expect(text.match(/event: control/g)?.length ?? 0).toBeGreaterThan(2); // keep-alives
    } finally {
      response.end();
    }
  });

  it("a session ends once its signed URL expires; the reconnect is refused", async () => {
    const worker = await start({
      STREAMS_PROXY_ALLOWLIST: `${upstream.url}/**`,
      STREAMS_PROXY_ALLOW_LOCALHOST: "1",
      STREAMS_PROXY_URL_TTL: "2",
      LONG_POLL_TIMEOUT_MS: "300",
      SSE_MAX_CONNECTION_MS: "60000",
    });
    const response = upstream.controlled("sse-expiry");
    const location = await created(
      create(`${worker.url}/v1/proxy`, `${upstream.url}/controlled/sse-expiry`),
    );
    try {
      const { ms } = await readSse(at(location, "-1", "sse"), 10_000);
      expect(ms).toBeLessThan(5_000);
      const again = await fetch(at(location, "-1", "sse"));
      expect(again.status).toBe(401);
      await again.body?.cancel();
    } finally {
      response.end();
    }
  });
});

describe("the watch alarm of a proxy stream's object", () => {
  it("lets a response that outlasts several alarms finish, outcome complete", async () => {
    const worker = await start({
      STREAMS_PROXY_ALLOWLIST: `${upstream.url}/**`,
      STREAMS_PROXY_ALLOW_LOCALHOST: "1",
      STREAMS_PROXY_WATCH_MS: "200",
    });
    const response = upstream.controlled("outlasting");
    const location = await created(
      create(`${worker.url}/v1/proxy`, `${upstream.url}/controlled/outlasting`),
    );
    for (let i = 0; i < 8; i++) {
      response.write(`${i},`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    response.end();
    expect(text(joined(await readToEnd(location)))).toBe("0,1,2,3,4,5,6,7,");
    const bare = new URL(location);
    const head = await fetch(`${bare.origin}${bare.pathname}`, {
      method: "HEAD",
      headers: SERVICE,
    });
    expect(head.headers.get("upstream-outcome")).toBe("complete");
  });

  it("ends a response cut by a restart of its object as interrupted, keeping what was acknowledged", async () => {
    const temp = tempDir();
    const vars = {
      STREAMS_PROXY_ALLOWLIST: `${upstream.url}/**`,
      STREAMS_PROXY_ALLOW_LOCALHOST: "1",
      STREAMS_PROXY_SIGNING_KEY: "restart-test-signing-key-0123456789",
      STREAMS_PROXY_WATCH_MS: "500",
    };
    try {
      const first = await start(vars, temp.dir);
      const response = upstream.controlled("restart");
      const location = await created(
        create(`${first.url}/v1/proxy`, `${upstream.url}/controlled/restart`),
      );
      response.write("acknowledged before the restart");
      let offset = "-1";
      let seen = "";
      while (seen !== "acknowledged before the restart") {
        const res = await fetch(at(location, offset, offset === "-1" ? undefined : "long-poll"));
        seen += await res.text();
        offset = res.headers.get("stream-next-offset")!;
      }
      await first.close();
      await response.closed;

      const second = await start(vars, temp.dir);
      const moved = new URL(location);
      const url = `${second.url}${moved.pathname}${moved.search}`;
      // Readers are told within a watch period: the stream closes, nothing is lost.
      const steps = await readToEnd(url);
      expect(text(joined(steps))).toBe("acknowledged before the restart");
      const head = await fetch(`${second.url}${moved.pathname}`, {
        method: "HEAD",
        headers: SERVICE,
      });
      expect(head.headers.get("stream-closed")).toBe("true");
      expect(head.headers.get("upstream-outcome")).toBe("interrupted");
    } finally {
      temp.cleanup();
    }
  });
});
