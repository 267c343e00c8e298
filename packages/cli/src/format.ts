/** Human formatting of sizes and times for tables. */

/** `1536` → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** An ISO-8601 time as `2026-01-02 03:04:05` (UTC), or "" for null. */
export function formatTime(iso: string | null): string {
  if (iso === null) return "";
  return iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "");
}
