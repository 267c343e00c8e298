/**
 * Scenario 4: one client reads a 64 MiB JSON stream from the start — as is,
 * and (`catch-up-read-compressed`) with `Accept-Encoding: gzip` against
 * servers started with compression on: bytes on the wire and data MB/s
 * both ways.
 */

import { config } from "../bench-config.js";
import { runClientToResult } from "../client-process.js";
import { allOf, atLeastTimes, bound, type Scenario } from "../scenario.js";
import { SERVER_KINDS } from "../server-kind.js";

const mebibytes = config.catchUp.totalBytes / (1024 * 1024);

function catchUpScenario(compressed: boolean): Scenario {
  return {
    id: compressed ? "catch-up-read-compressed" : "catch-up-read",
    title: `catch-up read of a ${mebibytes} MiB JSON stream (${config.messageBytes} B messages), one client${
      compressed ? ", Accept-Encoding: gzip, server compression on" : ""
    }`,
    servers: SERVER_KINDS,
    metrics: [
      { key: "megabytesPerSecond", label: "read MB/s (on the wire)", decimals: 0, ratio: true },
      { key: "dataMegabytesPerSecond", label: "data MB/s (decoded)", decimals: 0, ratio: true },
      { key: "wireMebibytes", label: "MiB on the wire", decimals: 1 },
      { key: "requests", label: "GET requests", decimals: 0 },
      {
        key: "fillMegabytesPerSecond",
        label: "fill MB/s (1 MiB appends)",
        decimals: 0,
        ratio: true,
      },
    ],
    timeoutMs: 180_000,
    async run({ startServer }) {
      const server = await startServer({ compression: compressed });
      const result = await runClientToResult(
        "catch-up-reader",
        {
          port: server.port,
          path: "/v1/stream/bench/catch-up",
          totalBytes: config.catchUp.totalBytes,
          messageBytes: config.messageBytes,
          appendBytes: config.catchUp.appendBytes,
          ...(compressed ? { acceptEncoding: "gzip" } : {}),
        },
        this.timeoutMs,
      );
      const notes: string[] = [];
      const bytesRead = Number(result.bytesRead);
      if (!compressed && bytesRead < config.catchUp.totalBytes) {
        notes.push(`read only ${bytesRead} bytes of ${config.catchUp.totalBytes}`);
      }
      return {
        values: {
          megabytesPerSecond: Number(result.megabytesPerSecond),
          dataMegabytesPerSecond: Number(result.dataMegabytesPerSecond),
          wireMebibytes: Number(result.wireBytes) / (1024 * 1024),
          requests: Number(result.requests),
          fillMegabytesPerSecond: Number(result.storedBytes) / 1e6 / (Number(result.fillMs) / 1000),
        },
        details: result,
        notes,
      };
    },
    targets: compressed
      ? () => ({})
      : (values) => ({
          megabytesPerSecond: allOf(
            bound(values, "megabytesPerSecond", "≥", 1000, " MB/s"),
            atLeastTimes(values, "megabytesPerSecond", "official-file", 10),
            atLeastTimes(values, "megabytesPerSecond", "official-memory", 10),
          ),
        }),
  };
}

export const catchUpRead = catchUpScenario(false);
export const catchUpReadCompressed = catchUpScenario(true);
