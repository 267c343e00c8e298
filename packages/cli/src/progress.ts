/** An upload progress bar with the transfer rate, shown only on a terminal. */

import { SingleBar } from "cli-progress";
import { formatBytes } from "./format.js";
import type { Io } from "./io.js";
import { colorsFor } from "./style.js";

/** Progress of sending `total` bytes. */
export interface Progress {
  advance(bytes: number): void;
  /** Removes nothing; ends the bar's line (call once, success or not). */
  stop(): void;
}

const NO_PROGRESS: Progress = { advance() {}, stop() {} };

/**
 * A bar on stderr when stderr is a terminal (a pipe or a file gets nothing:
 * no escape codes in logs). `label` names what is sent.
 */
export function progressBar(io: Io, label: string, total: number): Progress {
  if (io.stderr.isTTY !== true) return NO_PROGRESS;
  const c = colorsFor(io.stderr, io.env);
  const started = Date.now();
  let sent = 0;
  const bar = new SingleBar({
    stream: io.stderr as NodeJS.WriteStream,
    format: `${label} ${c.cyan("{bar}")} {percentage}% | {sentText}/{totalText} | {rateText}`,
    barCompleteChar: "\u2588",
    barIncompleteChar: "\u2591",
    hideCursor: true,
    fps: 10,
    etaBuffer: 20,
  });
  const payload = () => {
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    return {
      sentText: formatBytes(sent),
      totalText: formatBytes(total),
      rateText: `${formatBytes(Math.round(sent / seconds))}/s`,
    };
  };
  bar.start(Math.max(total, 1), 0, payload());
  return {
    advance(bytes) {
      sent += bytes;
      bar.update(Math.min(sent, Math.max(total, 1)), payload());
    },
    stop() {
      bar.stop();
    },
  };
}
