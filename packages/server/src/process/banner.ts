/** The start-up banner a person sees when the server runs on a terminal. */

import { createRequire } from "node:module";
import { resolve } from "node:path";

/** The server package's version. */
export function serverVersion(): string {
  const require = createRequire(import.meta.url);
  return (require("../../package.json") as { version: string }).version;
}

/** What the banner reports. */
export interface BannerInfo {
  readonly version: string;
  /** Base URL, e.g. `http://127.0.0.1:4437`. */
  readonly url: string;
  readonly basePath: string;
  /** Data directory, or null when streams live in memory. */
  readonly dataDir: string | null;
  readonly auth: boolean;
  /** URL of the web console, or null when it is off. */
  readonly consoleUrl: string | null;
  /** How to stop the process, e.g. `Ctrl-C`. */
  readonly stop: string;
}

/** A few lines saying where the server is, where data lives and how to try and stop it. */
export function banner(info: BannerInfo): string {
  const root = `${info.url}${info.basePath}`;
  // With auth on, the lines must work when pasted into a shell that has the
  // secret exported; the secret itself never appears on the screen.
  const auth = info.auth ? `-H "Authorization: Bearer $STREAMS_SECRET" ` : "";
  const rows: Array<[string, string]> = [
    ["URL", info.url],
    ...(info.consoleUrl === null ? [] : [["Console", info.consoleUrl] as [string, string]]),
    ["Stream root", `${root}/`],
    [
      "Data",
      info.dataDir === null
        ? "in memory (nothing survives a restart)"
        : `${resolve(info.dataDir)} (SQLite)`,
    ],
    [
      "Auth",
      info.auth
        ? "on: requests need Authorization: Bearer <STREAMS_SECRET> (export it to run the lines below)"
        : "off (set STREAMS_SECRET to require a bearer secret)",
    ],
    ["Try", `curl -X PUT ${auth}-H 'content-type: text/plain' ${root}/hello`],
    ["", `curl ${auth}-H 'content-type: text/plain' -d 'hi' ${root}/hello`],
    ["", `curl ${auth}'${root}/hello?offset=-1'`],
    ["Stop", info.stop],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
  return `\n  durastream ${info.version} is ready\n\n${lines.join("\n")}\n\n`;
}
