/** Short human forms of sizes, times and message contents. */

import type { TailMessage } from "../model/message-buffer.js";

/** `1.5 KiB`-style size: binary units, as the CLI prints them. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** A local date and time, or an em dash. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** `90 s`, `5 min`, `2 h`, `3 d`: the largest unit that divides evenly, else seconds. */
export function formatDuration(seconds: number): string {
  if (seconds >= 86_400 && seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds >= 3_600 && seconds % 3_600 === 0) return `${seconds / 3_600} h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** `12,345`-style count. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Bytes shown in a hex dump row at most. */
export const HEX_DUMP_LIMIT = 64 * 1024;

/** `offset  hex bytes  ascii` lines, 16 bytes each, up to `HEX_DUMP_LIMIT` bytes. */
export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  const end = Math.min(bytes.byteLength, HEX_DUMP_LIMIT);
  for (let at = 0; at < end; at += 16) {
    const row = bytes.subarray(at, Math.min(at + 16, end));
    const hex = Array.from(row, (b) => HEX[b]).join(" ");
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : "."));
    lines.push(`${at.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  ${ascii.join("")}`);
  }
  if (bytes.byteLength > end) lines.push(`… ${formatBytes(bytes.byteLength - end)} more`);
  return lines.join("\n");
}

/** One line summarizing a message, for the message list. */
export function preview(message: TailMessage, max = 240): string {
  let text: string;
  if (message.kind === "json") text = JSON.stringify(message.value) ?? "";
  else if (message.kind === "text") text = String(message.value);
  else {
    const bytes = message.value as Uint8Array;
    text = Array.from(bytes.subarray(0, 48), (b) => HEX[b]).join(" ");
    if (bytes.byteLength > 48) text += " …";
  }
  text = text.replace(/\s+/g, " ");
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
