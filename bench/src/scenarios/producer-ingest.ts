/** Scenario 3: 1M × 90 B messages through an IdempotentProducer. */

import { config } from "../bench-config.js";
import { runClientToResult } from "../client-process.js";
import { allOf, atLeastTimes, bound, type Scenario } from "../scenario.js";
import { SERVER_KINDS } from "../server-kind.js";

export const producerIngest: Scenario = {
  id: "producer-ingest",
  title: `idempotent-producer ingest, ${config.producer.messages.toLocaleString("en-US")} × ${config.messageBytes} B (durastream: @durastream/client; official: @durable-streams/client)`,
  servers: SERVER_KINDS,
  metrics: [
    { key: "messagesPerSecond", label: "msgs/s", decimals: 0, ratio: true },
    { key: "seconds", label: "seconds", decimals: 2 },
    { key: "errors", label: "producer errors", decimals: 0 },
  ],
  timeoutMs: 180_000,
  async run({ kind, startServer }) {
    const server = await startServer();
    const library = kind === "durastream" ? "durastream" : "official";
    const result = await runClientToResult(
      "producer-ingest",
      {
        streamUrl: `${server.streamRoot}/bench/ingest`,
        library,
        messages: config.producer.messages,
        messageBytes: config.messageBytes,
      },
      this.timeoutMs,
    );
    const errors = Number(result.errors);
    return {
      values: {
        messagesPerSecond: Number(result.messagesPerSecond),
        seconds: Number(result.durationMs) / 1000,
        errors,
      },
      details: { client: library, ...result },
      notes:
        errors > 0
          ? [`producer reported ${errors} errors, first: ${String(result.firstError)}`]
          : [],
    };
  },
  targets: (values) => ({
    messagesPerSecond: allOf(
      bound(values, "messagesPerSecond", "≥", 1_000_000),
      atLeastTimes(values, "messagesPerSecond", "official-file", 5),
    ),
  }),
};
