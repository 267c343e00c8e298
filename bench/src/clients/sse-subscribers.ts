/**
 * Opens `subscribers` SSE connections (`?offset=-1&live=sse`) to one stream
 * over raw sockets, reports "ready", then records the latency of every
 * delivered message (from the send time it carries) until told "stop".
 */

import { connect } from "node:net";
import { formatRequest } from "../http-connection.js";
import { HttpResponseParser } from "../http-response-parser.js";
import { clientArguments, commandReceived, emit, runClient } from "./client-protocol.js";
import { CpuMeter, DeliveryRecorder, openInWaves } from "./live-subscriber-support.js";

interface Arguments {
  readonly port: number;
  readonly path: string;
  readonly subscribers: number;
  readonly connectConcurrency: number;
  readonly connectTimeoutMs: number;
}

runClient(async () => {
  const args = clientArguments<Arguments>();
  const recorder = new DeliveryRecorder();
  const request = formatRequest("GET", `${args.path}?offset=-1&live=sse`, {
    Accept: "text/event-stream",
  });
  let connected = 0;
  let failed = 0;
  let closedEarly = 0;
  let stopping = false;
  const sockets: ReturnType<typeof connect>[] = [];

  const subscribe = () =>
    new Promise<void>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port: args.port, noDelay: true });
      sockets.push(socket);
      let settled = false;
      let streaming = false;
      const settle = (ok: boolean) => {
        if (settled) return;
        settled = true;
        streaming = ok;
        clearTimeout(timer);
        if (ok) connected++;
        else failed++;
        resolve();
      };
      const timer = setTimeout(() => settle(false), args.connectTimeoutMs);
      let carry = "";
      const parser = new HttpResponseParser({
        onHead: (head) => settle(head.status === 200),
        onBody: (chunk) => {
          const text = carry + chunk.toString("latin1");
          const lastNewline = text.lastIndexOf("\n");
          carry = text.slice(lastNewline + 1);
          if (lastNewline >= 0) recorder.recordText(text.slice(0, lastNewline));
        },
        onEnd: () => socket.end(),
      });
      socket.on("data", (data: Buffer) => parser.push(data));
      socket.on("error", () => settle(false));
      socket.on("close", () => {
        if (streaming && !stopping) closedEarly++;
        settle(false);
      });
      socket.write(request);
    });

  const connectStarted = performance.now();
  await openInWaves(args.subscribers, args.connectConcurrency, subscribe);
  emit("ready", { connected, failed, connectMs: performance.now() - connectStarted });

  const cpu = new CpuMeter();
  await commandReceived("stop");
  stopping = true;
  for (const socket of sockets) socket.destroy();
  emit("result", {
    subscribers: args.subscribers,
    connected,
    failed,
    closedEarly,
    deliveries: recorder.deliveries,
    clientCpuPercent: cpu.percentSinceStart(),
    latency: recorder.latency.summary(),
  });
});
