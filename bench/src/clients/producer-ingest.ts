/**
 * Pushes `messages` JSON messages of `messageBytes` through a client
 * library's IdempotentProducer (default batching options) into a fresh stream
 * and reports messages per second from the first append to the final flush.
 */

import * as officialClient from "@durable-streams/client";
import * as durastreamClient from "@durastream/client";
import { clientArguments, emit, runClient } from "./client-protocol.js";
import { messageOfSize } from "./payload.js";

interface Arguments {
  readonly streamUrl: string;
  readonly library: "durastream" | "official";
  readonly messages: number;
  readonly messageBytes: number;
}

/** How often the append loop yields to the event loop so batches can go out. */
const YIELD_EVERY = 10_000;

/** The part of both clients' API this benchmark uses. */
interface ProducerApi {
  DurableStream: { create(options: { url: string; contentType: string }): Promise<unknown> };
  IdempotentProducer: new (
    stream: never,
    producerId: string,
    options: { onError: (error: Error) => void },
  ) => { append(body: string): void; flush(): Promise<unknown>; detach(): Promise<unknown> };
}

runClient(async () => {
  const args = clientArguments<Arguments>();
  const api = (args.library === "durastream"
    ? durastreamClient
    : officialClient) as unknown as ProducerApi;
  const stream = await api.DurableStream.create({
    url: args.streamUrl,
    contentType: "application/json",
  });
  let errors = 0;
  let firstError: string | undefined;
  const producer = new api.IdempotentProducer(stream as never, "bench-producer", {
    onError: (error) => {
      errors++;
      firstError ??= error.message;
    },
  });
  const message = messageOfSize(0, 0, args.messageBytes);
  const started = performance.now();
  for (let i = 0; i < args.messages; i++) {
    producer.append(message);
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve));
  }
  await producer.flush();
  const durationMs = performance.now() - started;
  await producer.detach();

  const head = await fetch(args.streamUrl, { method: "HEAD" });
  emit("result", {
    library: args.library,
    messages: args.messages,
    durationMs,
    messagesPerSecond: (args.messages / durationMs) * 1000,
    errors,
    firstError,
    tailOffset: head.headers.get("stream-next-offset"),
  });
});
