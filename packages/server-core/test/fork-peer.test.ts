/**
 * Forks whose source lives behind another engine, the way one Durable Object
 * per stream reaches its source: the fork's engine only knows a `ForkPeer`,
 * here the source's engine behind an async hop that counts the calls.
 */

import { encodeOffset } from "@durastream/protocol";
import { describe, expect, it } from "vitest";
import type { ByteRange, ForkOrigin, ForkPeer, ForkRequest, ForkSource } from "../src/index.js";
import { type TestEngine, testEngine, text } from "./support/engine.js";

/** Forwards every call to `target` after a macrotask, like an RPC, counting them. */
class RemotePeer implements ForkPeer {
  readonly calls: string[] = [];
  constructor(private readonly target: () => ForkPeer) {}

  async #hop<T>(name: string, call: () => Promise<T>): Promise<T> {
    this.calls.push(name);
    await new Promise((resolve) => setImmediate(resolve));
    return call();
  }
  exportFork(request: ForkRequest): Promise<ForkSource> {
    return this.#hop("exportFork", () => this.target().exportFork(request));
  }
  readFork(origin: ForkOrigin, from: number, to: number, maxBytes: number): Promise<ByteRange> {
    return this.#hop("readFork", () => this.target().readFork(origin, from, to, maxBytes));
  }
  forkBoundary(origin: ForkOrigin, position: number): Promise<number | undefined> {
    return this.#hop("forkBoundary", () => this.target().forkBoundary(origin, position));
  }
  forkMessageStart(origin: ForkOrigin, position: number): Promise<number | undefined> {
    return this.#hop("forkMessageStart", () => this.target().forkMessageStart(origin, position));
  }
  releaseFork(origin: ForkOrigin): Promise<void> {
    return this.#hop("releaseFork", () => this.target().releaseFork(origin));
  }
}

/** A source engine and a fork engine that reaches it only through a remote peer. */
function pair(): { source: TestEngine; fork: TestEngine; peer: RemotePeer } {
  const source = testEngine();
  const peer = new RemotePeer(() => source.engine);
  const fork = testEngine({ forks: peer });
  return { source, fork, peer };
}

const fromStart = { offset: "-1" };

describe("forks through a remote fork peer", () => {
  it("creates a fork on another engine, inheriting data, type and the fork point", async () => {
    const { source, fork, peer } = pair();
    await source.call("PUT", "src", { body: "hello " });
    const offset = source.store.get("src")!.tail;
    await source.call("POST", "src", { body: "world" });
    const created = await fork.call("PUT", "f", {
      headers: {
        "stream-forked-from": "/v1/stream/src",
        "stream-fork-offset": encodeOffset(offset),
      },
    });
    expect(created.status).toBe(201);
    expect(source.store.get("src")!.forkCount).toBe(1);
    await fork.call("POST", "f", { body: "there" });
    expect(text(await fork.call("GET", "f", { query: fromStart }))).toBe("hello there");
    expect(peer.calls).toEqual(["exportFork", "readFork"]);
  });

  it("reads a fork's own data without calling its source, live reads included", async () => {
    const { source, fork, peer } = pair();
    await source.call("PUT", "src", { body: "abc" });
    await fork.call("PUT", "f", { headers: { "stream-forked-from": "src" } });
    peer.calls.length = 0;
    const tail = fork.store.get("f")!.tail;
    const poll = fork.call("GET", "f", {
      query: { offset: encodeOffset(tail), live: "long-poll" },
    });
    await fork.call("POST", "f", { body: "own" });
    expect(text(await poll)).toBe("own");
    expect(peer.calls).toEqual([]);
  });

  it("resolves a sub-offset on the source, across the source's own fork", async () => {
    const { source, fork } = pair();
    await source.call("PUT", "root", { body: "aaaa" });
    await source.call("POST", "root", { body: "bbbb" });
    await source.call("PUT", "mid", {
      headers: { "stream-forked-from": "root", "stream-fork-offset": encodeOffset(4) },
    });
    const created = await fork.call("PUT", "f", {
      headers: {
        "stream-forked-from": "mid",
        "stream-fork-offset": encodeOffset(0),
        "stream-fork-sub-offset": "2",
      },
    });
    expect(created.status).toBe(201);
    expect(text(await fork.call("GET", "f", { query: fromStart }))).toBe("aa");
  });

  it("keeps a deleted source for its fork and removes it with the fork's deletion", async () => {
    const { source, fork, peer } = pair();
    await source.call("PUT", "src", { body: "data" });
    await fork.call("PUT", "f", { headers: { "stream-forked-from": "src" } });
    expect((await source.call("DELETE", "src")).status).toBe(204);
    expect(source.store.get("src")?.softDeleted).toBe(true);
    expect((await source.call("GET", "src", { query: fromStart })).status).toBe(410);
    expect(text(await fork.call("GET", "f", { query: fromStart }))).toBe("data");
    expect((await fork.call("DELETE", "f")).status).toBe(204);
    expect(peer.calls).toContain("releaseFork");
    expect(source.store.get("src")).toBeUndefined();
  });

  it("releases the reference when the fork is not created after all", async () => {
    const { source, fork } = pair();
    await source.call("PUT", "src", { body: "data" });
    await fork.call("PUT", "f", { headers: { "stream-forked-from": "src" } });
    // Same path, different fork: 409, and the source keeps one reference, not two.
    const conflict = await fork.call("PUT", "f", {
      headers: { "stream-forked-from": "src", "stream-fork-offset": encodeOffset(1) },
    });
    expect(conflict.status).toBe(409);
    expect(source.store.get("src")!.forkCount).toBe(1);
    const again = await fork.call("PUT", "f", { headers: { "stream-forked-from": "src" } });
    expect(again.status).toBe(200);
    expect(source.store.get("src")!.forkCount).toBe(1);
  });

  it("reports the source's refusals to the fork's client", async () => {
    const { source, fork } = pair();
    const missing = await fork.call("PUT", "f", { headers: { "stream-forked-from": "nope" } });
    expect(missing.status).toBe(404);
    expect(JSON.parse(text(missing)).error.code).toBe("FORK_SOURCE_NOT_FOUND");
    await source.call("PUT", "src", { body: "data" });
    const beyond = await fork.call("PUT", "f", {
      headers: { "stream-forked-from": "src", "stream-fork-offset": encodeOffset(99) },
    });
    expect(beyond.status).toBe(400);
    expect(fork.store.get("f")).toBeUndefined();
    expect(source.store.get("src")!.forkCount).toBe(0);
  });
});
