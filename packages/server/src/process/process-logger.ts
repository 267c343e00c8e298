/**
 * The server process's logger: JSON lines for machines (the default off a
 * terminal), short human lines on a terminal.
 */

import type { Writable } from "node:stream";
import { type DestinationStream, type Logger, pino } from "pino";
import type { LogFormat } from "./config.js";

/** `auto` resolved: pretty on a terminal, JSON elsewhere. */
export function resolveLogFormat(format: LogFormat, isTTY: boolean): "pretty" | "json" {
  if (format === "auto") return isTTY ? "pretty" : "json";
  return format;
}

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

/** Fields every pino line has that a human line leaves out or shows elsewhere. */
const PLUMBING = new Set(["level", "time", "pid", "hostname", "msg", "err"]);

/** One pino JSON line as `12:00:01 INFO  message key=value`. */
export function formatLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = new Date(typeof entry.time === "number" ? entry.time : Date.now());
  const clock = time.toTimeString().slice(0, 8);
  const level = (LEVELS[entry.level as number] ?? String(entry.level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key]) => !PLUMBING.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  const err = entry.err as { message?: string; stack?: string } | undefined;
  const detail = err ? `\n${err.stack ?? err.message}` : "";
  return `${clock} ${level} ${entry.msg ?? ""}${fields.length ? `  ${fields.join(" ")}` : ""}${detail}\n`;
}

/** Never logged, wherever they appear in a log object: credentials. */
const REDACTED = [
  "secret",
  "token",
  "authorization",
  "headers.authorization",
  "req.headers.authorization",
  "*.secret",
  "*.token",
];

/** A pino logger writing `format` lines to `out`; throws on an unknown level. */
export function createProcessLogger(
  level: string,
  format: "pretty" | "json",
  out: Writable,
): Logger {
  const destination: DestinationStream =
    format === "json"
      ? { write: (line: string) => out.write(line) }
      : { write: (line: string) => out.write(formatLogLine(line)) };
  return pino({ level, redact: REDACTED }, destination);
}
