/** `openStreamTarget()` against durastream and the official server. */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DurableStream, openStreamTarget } from "../src/index.js";
import { type RunningServer, servers, streamUrl } from "./support/servers.js";

describe.each(servers)("openStreamTarget against $name", (impl) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await impl.start();
  });
  afterAll(async () => {
    await server.close();
  });

  it("creates a missing JSON stream and tells readers readUrl (writeUrl by default)", async () => {
    const writeUrl = streamUrl(server, "target");
    const opened = await openStreamTarget({ writeUrl, readUrl: "/public/chat" });
    expect(opened.readUrl).toBe("/public/chat");
    const head = await DurableStream.head({ url: writeUrl });
    expect(head.exists && head.contentType).toBe("application/json");
    expect((await openStreamTarget({ writeUrl: new URL(writeUrl) })).readUrl).toBe(writeUrl);
  });

  it("writes on an existing stream as it is, even one made otherwise", async () => {
    const writeUrl = streamUrl(server, "target-existing");
    await DurableStream.create({ url: writeUrl, contentType: "application/json", ttlSeconds: 600 });
    const { stream } = await openStreamTarget({ writeUrl, headers: { "x-a": () => "1" } });
    await stream.append({ turn: 1 });
    expect(await (await stream.stream({ live: false, json: true })).json()).toEqual([{ turn: 1 }]);
  });

  it("createIfMissing: false does not create it", async () => {
    const writeUrl = streamUrl(server, "target-absent");
    await openStreamTarget({ writeUrl, createIfMissing: false });
    expect((await DurableStream.head({ url: writeUrl })).exists).toBe(false);
  });
});
