/**
 * The web console (`@durastream/console`) served by the Worker at `/`, as
 * the Node server serves it: its built files are embedded in the Worker
 * bundle at build time (`dev/bundle.ts` reads the console's `manifest.json`),
 * so serving them wakes no object and reads no storage. Only names in the
 * manifest are served, GET and HEAD only, with the manifest's content types
 * and ETags; hashed files are cached for a year, the page is revalidated.
 * Source maps are left out of the bundle to keep it small.
 */

import { securityHeaders } from "@durastream/server-core";

/** The console's files as the bundler embeds them. */
export interface ConsoleAssets {
  /** The page's file name (`index.html`). */
  readonly index: string;
  readonly files: Readonly<
    Record<
      string,
      {
        readonly contentType: string;
        readonly etag: string;
        readonly immutable: boolean;
        readonly body: string;
      }
    >
  >;
}

/** Replaced by the bundler with the built console, or `null` when it was not built. */
declare const __DURASTREAM_CONSOLE__: ConsoleAssets | null | undefined;

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";
// The console only talks to the server it came from; nothing inline, no frames.
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const STREAM_ROOT_META = /(<meta name="durastream-stream-root" content=")[^"]*(")/;

/** The embedded console, or null (an unbundled build, or the console was not built). */
export function embeddedConsole(): ConsoleAssets | null {
  return typeof __DURASTREAM_CONSOLE__ === "undefined" ? null : __DURASTREAM_CONSOLE__;
}

/**
 * The console's answer to `request` for `pathname` (`/` or `/<file>`), or
 * null when it names no console file (the caller answers 404).
 */
export function serveConsole(
  request: Request,
  pathname: string,
  assets: ConsoleAssets,
  basePath: string,
): Response | null {
  if (!pathname.startsWith("/")) return null;
  const name = pathname === "/" ? assets.index : pathname.slice(1);
  const file = assets.files[name];
  if (file === undefined) return null;
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response(
      JSON.stringify({
        error: {
          code: "METHOD_NOT_ALLOWED",
          message: `${request.method} is not allowed on the console`,
        },
      }),
      { status: 405, headers: { allow: "GET, HEAD", "content-type": "application/json" } },
    );
  }
  let body = file.body;
  let etag = file.etag;
  if (name === assets.index) {
    // The page tells the console where the streams are.
    body = body.replace(STREAM_ROOT_META, `$1${escapeHtml(basePath)}$2`);
    etag = `"${file.etag.slice(1, -1)}-${btoa(basePath).replace(/=+$/, "")}"`;
  }
  const headers = new Headers({
    "cache-control": file.immutable ? IMMUTABLE : REVALIDATE,
    etag,
    ...securityHeaders(),
    "referrer-policy": "no-referrer",
  });
  const match = request.headers.get("if-none-match");
  if (match?.split(",").some((tag) => tag.trim() === etag)) {
    return new Response(null, { status: 304, headers });
  }
  headers.set("content-type", file.contentType);
  if (file.contentType.startsWith("text/html")) headers.set("content-security-policy", CSP);
  // The runtime compresses text responses for clients that accept it.
  return new Response(request.method === "HEAD" ? null : body, { status: 200, headers });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
