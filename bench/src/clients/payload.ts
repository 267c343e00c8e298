/** Benchmark messages: JSON objects of an exact byte size carrying a sequence number and a send time. */

/**
 * `{"i":<seq>,"t":<micros>,"p":"xxxx"}` padded to exactly `bytes` bytes.
 * `t` is a wall-clock time in microseconds (see wallClockMicros) or 0.
 */
export function messageOfSize(sequence: number, sentAtMicros: number, bytes: number): string {
  const head = `{"i":${sequence},"t":${sentAtMicros},"p":"`;
  const padding = Math.max(0, bytes - head.length - 2);
  return `${head}${"x".repeat(padding)}"}`;
}

const TIME_KEY = '"t":';

/**
 * Calls `onTime` with every send time (microseconds) found in `text`.
 * Messages never contain a newline, so callers may cut text at newlines.
 */
export function forEachSendTime(text: string, onTime: (micros: number) => void): void {
  let at = text.indexOf(TIME_KEY);
  while (at >= 0) {
    let end = at + TIME_KEY.length;
    let micros = 0;
    for (let code = text.charCodeAt(end); code >= 48 && code <= 57; code = text.charCodeAt(++end)) {
      micros = micros * 10 + (code - 48);
    }
    if (micros > 0) onTime(micros);
    at = text.indexOf(TIME_KEY, end);
  }
}
