/**
 * Strict header value parsing. The protocol forbids lenient number forms
 * (`+1`, `01`, `1.0`, `1e3`), so nothing here uses `Number()` on raw input
 * without checking the shape first.
 */

const DECIMAL_INTEGER = /^(0|[1-9]\d*)$/;

/**
 * A non-negative decimal integer without sign, leading zeros, decimal point or
 * exponent, at most 2^53-1. Returns `undefined` for anything else.
 */
export function parseNonNegativeInteger(value: string): number | undefined {
  if (!DECIMAL_INTEGER.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * Milliseconds since the epoch for an RFC 3339 date-time (`2025-01-01T00:00:00Z`,
 * fractional seconds and numeric offsets allowed), or `undefined` when the value
 * is not RFC 3339 or names an impossible date.
 */
export function parseRfc3339(value: string): number | undefined {
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return undefined;
  let offsetMinutes = 0;
  if (m[9]) {
    const offHour = Number(m[10]);
    const offMinute = Number(m[11]);
    if (offHour > 23 || offMinute > 59) return undefined;
    offsetMinutes = (offHour * 60 + offMinute) * (m[9] === "-" ? -1 : 1);
  }
  const fraction = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  const utc = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), fraction);
  return utc - offsetMinutes * 60_000;
}

/** `Stream-Closed` is present only when its value is exactly `true`, case-insensitively. */
export function isClosedFlag(value: string | null | undefined): boolean {
  return value != null && value.toLowerCase() === "true";
}
