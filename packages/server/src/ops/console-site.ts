/**
 * Serves the web console (`@durastream/console`) outside the stream root: the
 * files its build lists in `manifest.json`, read into memory once at start.
 * Only names in the manifest are served (a map lookup: no path from the URL
 * ever reaches the file system), GET and HEAD only, with the manifest's
 * content types and ETags; hashed files are cached for a year, index.html is
 * revalidated. Any other path falls through to the stream routes.
 */

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { parseRequestTarget, type RequestTarget } from "@durastream/protocol";
import { securityHeaders } from "@durastream/server-core";

/** `manifest.json` of the console build (see packages/console/README.md). */
interface ConsoleManifest {
  readonly version: 1;
  readonly index: string;
  readonly files: Record<
    string,
    { readonly contentType: string; readonly etag: string; readonly immutable: boolean }
  >;
}

interface Asset {
  readonly body: Buffer;
  /** Whether to offer gzip; compressed on first request (servers that never serve it pay nothing). */
  readonly compressible: boolean;
  gzip: Buffer | null;
  readonly headers: Record<string, string>;
  readonly etag: string;
}

/** Where and from what the console is served. */
export interface ConsoleSiteOptions {
  /** URL path of the console, e.g. `/` or `/console/`. */
  readonly path: string;
  /** The built assets (`packages/console/dist/assets`). */
  readonly dir: string;
  /** The stream root the console talks to (the server's `basePath`). */
  readonly basePath: string;
}

/** The built assets of `@durastream/console`, or undefined when it is not installed or built. */
export function defaultConsoleDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const dir = join(
      dirname(require.resolve("@durastream/console/package.json")),
      "dist",
      "assets",
    );
    return existsSync(join(dir, "manifest.json")) ? dir : undefined;
  } catch {
    return undefined;
  }
}

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";
// The console only talks to the server it came from; nothing inline, no frames.
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const STREAM_ROOT_META = /(<meta name="durastream-stream-root" content=")[^"]*(")/;

/** The console's files, ready to serve. */
export class ConsoleSite {
  readonly #mount: string;
  readonly #assets: Map<string, Asset>;

  private constructor(mount: string, assets: Map<string, Asset>) {
    this.#mount = mount;
    this.#assets = assets;
  }

  /** URL path the console is served at, with its trailing slash. */
  get path(): string {
    return this.#mount;
  }

  /** Reads the manifest and every file it lists. */
  static async load(options: ConsoleSiteOptions): Promise<ConsoleSite> {
    const manifest = JSON.parse(
      await readFile(join(options.dir, "manifest.json"), "utf8"),
    ) as ConsoleManifest;
    if (manifest.version !== 1)
      throw new Error(`unknown console manifest version in ${options.dir}`);
    const assets = new Map<string, Asset>();
    for (const [name, file] of Object.entries(manifest.files)) {
      let body = await readFile(join(options.dir, name));
      let etag = file.etag;
      if (name === manifest.index) {
        // The page tells the console where the streams are.
        const root = options.basePath.replace(/\/+$/, "") || "/";
        const html = body.toString("utf8").replace(STREAM_ROOT_META, `$1${escapeHtml(root)}$2`);
        body = Buffer.from(html);
        etag = `"${file.etag.slice(1, -1)}-${Buffer.from(root).toString("base64url")}"`;
      }
      const headers: Record<string, string> = {
        "content-type": file.contentType,
        "cache-control": file.immutable ? IMMUTABLE : REVALIDATE,
        etag,
        ...securityHeaders(),
        "referrer-policy": "no-referrer",
      };
      if (file.contentType.startsWith("text/html")) headers["content-security-policy"] = CSP;
      const compressible =
        /^(text\/|application\/json)/.test(file.contentType) && body.length > 1024;
      if (compressible) headers.vary = "accept-encoding";
      assets.set(name === manifest.index ? "" : name, {
        body,
        compressible,
        gzip: null,
        headers,
        etag,
      });
    }
    return new ConsoleSite(
      `/${options.path.replace(/^\/+|\/+$/g, "")}/`.replace("//", "/"),
      assets,
    );
  }

  /** Answers `req` if it names a console file (or the console's path without its slash). */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    let target: RequestTarget;
    try {
      target = parseRequestTarget(req.url ?? "/");
    } catch {
      return false; // the stream routes answer malformed targets
    }
    const pathname = target.pathname;
    if (pathname === this.#mount.slice(0, -1) && pathname !== "") {
      const query = target.query === "" ? "" : `?${target.query}`;
      res.writeHead(308, { location: `${this.#mount}${query}` });
      res.end();
      return true;
    }
    if (!pathname.startsWith(this.#mount)) return false;
    const asset = this.#assets.get(pathname.slice(this.#mount.length));
    if (asset === undefined) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      const body = JSON.stringify({
        error: {
          code: "METHOD_NOT_ALLOWED",
          message: `${req.method} is not allowed on the console`,
        },
      });
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "application/json" });
      res.end(body);
      return true;
    }
    const match = req.headers["if-none-match"];
    if (match?.split(",").some((tag) => tag.trim() === asset.etag)) {
      res.writeHead(304, { etag: asset.etag, "cache-control": asset.headers["cache-control"]! });
      res.end();
      return true;
    }
    const gzip = asset.compressible && /\bgzip\b/.test(req.headers["accept-encoding"] ?? "");
    if (gzip) asset.gzip ??= gzipSync(asset.body);
    const body = gzip ? asset.gzip! : asset.body;
    res.writeHead(200, {
      ...asset.headers,
      "content-length": String(body.length),
      ...(gzip ? { "content-encoding": "gzip" } : {}),
    });
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
