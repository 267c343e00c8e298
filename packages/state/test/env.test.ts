import { afterEach, describe, expect, it, vi } from "vitest";
import {
  buildStreamUrl,
  defineStreamSchema,
  getStreamsAuth,
  getStreamsUrl,
  inspectStreamTopic,
  StreamsUrlNotConfiguredError,
} from "../src/index.js";
import { userZod } from "./fixtures.js";

const ALL = [
  "DURABLE_STREAMS_URL",
  "services__streams__http__0",
  "VITE_services__streams__http__0",
  "VITE_STREAMS_URL",
  "STREAMS_SECRET",
  "DURABLE_STREAMS_SECRET",
];

describe("getStreamsUrl", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("follows the documented precedence", () => {
    const env = {
      DURABLE_STREAMS_URL: "http://override:1/v1/stream",
      services__streams__http__0: "http://aspire:2",
      VITE_services__streams__http__0: "http://vite:3",
      VITE_STREAMS_URL: "http://short:4",
    };
    expect(getStreamsUrl(env)).toBe("http://override:1/v1/stream");
    expect(getStreamsUrl({ ...env, DURABLE_STREAMS_URL: undefined })).toBe(
      "http://aspire:2/v1/stream",
    );
    expect(
      getStreamsUrl({ VITE_services__streams__http__0: "http://vite:3/", VITE_STREAMS_URL: "x" }),
    ).toBe("http://vite:3/v1/stream");
    expect(getStreamsUrl({ VITE_STREAMS_URL: "https://short:4/custom/root/" })).toBe(
      "https://short:4/custom/root",
    );
    expect(getStreamsUrl({ DURABLE_STREAMS_URL: "  ", VITE_STREAMS_URL: "http://s:4" })).toBe(
      "http://s:4/v1/stream",
    );
  });

  it("reads process.env by default", () => {
    for (const name of ALL) vi.stubEnv(name, "");
    vi.stubEnv("services__streams__http__0", "http://localhost:4437");
    expect(getStreamsUrl()).toBe("http://localhost:4437/v1/stream");
    vi.stubEnv("DURABLE_STREAMS_URL", "http://127.0.0.1:9999/v1/stream/");
    expect(getStreamsUrl()).toBe("http://127.0.0.1:9999/v1/stream");
    expect(buildStreamUrl("/workers/executions")).toBe(
      "http://127.0.0.1:9999/v1/stream/workers/executions",
    );
  });

  it("throws a descriptive error when nothing resolves", () => {
    expect(() => getStreamsUrl({})).toThrow(StreamsUrlNotConfiguredError);
    expect(() => getStreamsUrl({})).toThrow(
      /DURABLE_STREAMS_URL.*services__streams__http__0.*VITE_STREAMS_URL/s,
    );
    expect(() => getStreamsUrl({ DURABLE_STREAMS_URL: "not a url" })).toThrow(
      /DURABLE_STREAMS_URL is not a valid URL/,
    );
    expect(() => getStreamsUrl({ VITE_STREAMS_URL: "ftp://x" })).toThrow(/http\(s\)/);
  });
});

describe("buildStreamUrl", () => {
  it("joins paths, trimming the base's trailing slash", () => {
    expect(buildStreamUrl("/shipments", "http://h:1/v1/stream/")).toBe(
      "http://h:1/v1/stream/shipments",
    );
    expect(buildStreamUrl("chat/42", "http://h:1/v1/stream")).toBe("http://h:1/v1/stream/chat/42");
    expect(buildStreamUrl("//a", "http://h//")).toBe("http://h/a");
  });
});

describe("getStreamsAuth", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("builds a bearer header from STREAMS_SECRET, then DURABLE_STREAMS_SECRET", () => {
    expect(getStreamsAuth({})).toEqual({});
    expect(getStreamsAuth({ DURABLE_STREAMS_SECRET: "b" })).toEqual({ Authorization: "Bearer b" });
    expect(getStreamsAuth({ STREAMS_SECRET: "a", DURABLE_STREAMS_SECRET: "b" })).toEqual({
      Authorization: "Bearer a",
    });
    vi.stubEnv("STREAMS_SECRET", "");
    vi.stubEnv("DURABLE_STREAMS_SECRET", "from-env");
    expect(getStreamsAuth()).toEqual({ Authorization: "Bearer from-env" });
  });
});

describe("inspectStreamTopic", () => {
  it("returns a JSON-stable report", () => {
    const schema = defineStreamSchema({
      zeta: { schema: userZod, type: "z", primaryKey: "id" },
      alpha: { schema: userZod, type: "a", primaryKey: "id" },
    });
    const report = inspectStreamTopic({
      schema,
      streamPath: "/workers/executions",
      producerId: "workers-service",
      baseUrl: "http://h/v1/stream/",
    });
    expect(report).toEqual({
      package: "@durastream/state",
      target: "/workers/executions",
      summary:
        "/workers/executions: 2 collections - alpha(a by id), zeta(z by id); producer workers-service",
      details: {
        streamPath: "/workers/executions",
        producerId: "workers-service",
        url: "http://h/v1/stream/workers/executions",
        collectionCount: 2,
        collections: [
          { name: "alpha", type: "a", primaryKey: "id", vendor: "zod" },
          { name: "zeta", type: "z", primaryKey: "id", vendor: "zod" },
        ],
      },
    });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(inspectStreamTopic({ schema: {} }).target).toBe("(unbound)");
  });
});
