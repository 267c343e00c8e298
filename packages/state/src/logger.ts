/**
 * Warning sink shared by the producer and consumers.
 *
 * @module
 */

/** Where the state layer reports skipped writes and other non-fatal problems. */
export interface StateLogger {
  warn(message: string): void;
}

/** The default logger: `console.warn`, when a console exists. */
export const consoleLogger: StateLogger = {
  warn(message) {
    (globalThis as { console?: { warn?: (m: string) => void } }).console?.warn?.(message);
  },
};

/** Prefix of every message the state layer logs. */
export const LOG_PREFIX = "[durastream/state]";
