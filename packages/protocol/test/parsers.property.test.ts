/**
 * Property tests (fast-check, fixed seed) for the parsers that face the
 * network: header values, offsets, request targets and stream paths, and
 * JSON framing. Each property states what must hold for every input, valid
 * or hostile; a failure prints the shrunk counterexample and the seed.
 */

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  contentTypesMatch,
  decodeOffset,
  decodeStreamPath,
  encodeOffset,
  frameJsonBody,
  isClosedFlag,
  isValidContentType,
  jsonArrayBody,
  MAX_STREAM_PATH_LENGTH,
  mediaType,
  parseNonNegativeInteger,
  parseRequestTarget,
  parseRfc3339,
  StreamPathError,
  storedJsonPrefixLength,
} from "../src/index.js";

const SEED = 20261126;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what paths refuse
const CONTROL = /[\u0000-\u001f\u007f]/;
const params = { seed: SEED, numRuns: 500 };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

describe("header values", () => {
  test("non-negative integers: every safe integer round-trips, nothing else is accepted", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => parseNonNegativeInteger(String(n)) === n),
      params,
    );
    // Whatever is accepted is the canonical spelling of the number: no sign,
    // leading zero, fraction, exponent or whitespace gets through.
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[+\-0-9.eE ]{1,20}$/)), (raw) => {
        const n = parseNonNegativeInteger(raw);
        return n === undefined || (Number.isSafeInteger(n) && n >= 0 && String(n) === raw);
      }),
      params,
    );
  });

  test("RFC 3339: every instant round-trips through its UTC and offset spellings", () => {
    const instant = fc.integer({ min: Date.UTC(1, 0, 1), max: Date.UTC(9999, 11, 31) });
    fc.assert(
      fc.property(instant, (ms) => parseRfc3339(new Date(ms).toISOString()) === ms),
      params,
    );
    fc.assert(
      fc.property(instant, fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }), (ms, offset) => {
        const local = new Date(ms + offset * 60_000).toISOString().slice(0, -1);
        const sign = offset < 0 ? "-" : "+";
        const abs = Math.abs(offset);
        const zone = `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
        return parseRfc3339(`${local}${zone}`) === ms;
      }),
      params,
    );
  });

  test("RFC 3339: arbitrary strings never throw and never give a non-finite time", () => {
    const dateLike = fc.stringMatching(
      /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,4})?(Z|[+-]\d{2}:\d{2})?$/,
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), dateLike), (raw) => {
        const ms = parseRfc3339(raw);
        return ms === undefined || Number.isFinite(ms);
      }),
      params,
    );
  });

  test("Stream-Closed is set only by `true` in any case", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 6 }),
        (raw) => isClosedFlag(raw) === (raw.toLowerCase() === "true"),
      ),
      params,
    );
  });

  test("content types: parameters and case never change the media type", () => {
    const token = fc.stringMatching(/^[a-z0-9][a-z0-9.+-]{0,10}$/);
    fc.assert(
      fc.property(
        token,
        token,
        fc.string({ maxLength: 20 }),
        fc.boolean(),
        (type, sub, param, upper) => {
          const base = `${type}/${sub}`;
          const spelled = `${upper ? base.toUpperCase() : base}; ${param.replaceAll(";", "")}`;
          return (
            isValidContentType(spelled) &&
            contentTypesMatch(base, spelled) &&
            mediaType(spelled) === base
          );
        },
      ),
      params,
    );
    fc.assert(
      fc.property(fc.string(), (raw) => {
        isValidContentType(raw);
        return contentTypesMatch(raw, raw);
      }),
      params,
    );
  });
});

describe("offsets", () => {
  test("every position round-trips, and tokens sort in stream order", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => decodeOffset(encodeOffset(n)) === n),
      params,
    );
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.maxSafeNat(), (a, b) => {
        const [x, y] = [encodeOffset(a), encodeOffset(b)];
        return Math.sign(a - b) === (x < y ? -1 : x > y ? 1 : 0);
      }),
      params,
    );
  });

  test("tokens never contain URL delimiters or collide with the sentinels", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        const token = encodeOffset(n);
        return !/[,&=?/#%\s]/.test(token) && token !== "-1" && token !== "now";
      }),
      params,
    );
  });

  test("only canonical tokens decode", () => {
    const tokenLike = fc.stringMatching(/^[0-9_]{30,36}$/);
    fc.assert(
      fc.property(fc.oneof(fc.string(), tokenLike), (raw) => {
        const n = decodeOffset(raw);
        return n === undefined || encodeOffset(n) === raw;
      }),
      params,
    );
  });
});

/** A segment a client may name: anything but empty, `.`, `..`, `/` and control characters. */
const segment = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 12 })
  .filter((s) => s !== "." && s !== ".." && !s.includes("/") && !CONTROL.test(s));

describe("request targets and stream paths", () => {
  test("every valid path round-trips through percent-encoding, in origin and absolute form", () => {
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 5 }),
        fc.string({ maxLength: 10 }),
        (segments, q) => {
          const path = segments.join("/");
          fc.pre(path.length <= MAX_STREAM_PATH_LENGTH);
          const raw = segments.map(encodeURIComponent).join("/");
          const query = new URLSearchParams({ offset: q }).toString();
          for (const target of [
            `/v1/stream/${raw}?${query}`,
            `http://h:1/v1/stream/${raw}?${query}`,
          ]) {
            const parsed = parseRequestTarget(target);
            expect(parsed.pathname).toBe(`/v1/stream/${raw}`);
            expect(new URLSearchParams(parsed.query).get("offset")).toBe(q);
            expect(decodeStreamPath(parsed.pathname.slice("/v1/stream/".length))).toBe(path);
          }
        },
      ),
      params,
    );
  });

  test("no input decodes to a path with a dot, empty or control segment, or an encoded slash", () => {
    const hostile = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            "..",
            ".",
            "%2e",
            "%2E",
            "%2e%2e",
            ".%2e",
            "%2f",
            "%2F",
            "%00",
            "%",
            "%zz",
            "/",
            "a",
            "%25",
            "%c3%a9",
          ),
          fc.string({ maxLength: 4 }),
        ),
        { maxLength: 10 },
      )
      .map((parts) => parts.join(""));
    fc.assert(
      fc.property(hostile, (raw) => {
        let path: string;
        try {
          path = decodeStreamPath(raw);
        } catch (error) {
          return error instanceof StreamPathError;
        }
        const segments = path.split("/");
        return (
          segments.every((s) => s !== "" && s !== "." && s !== "..") &&
          !CONTROL.test(path) &&
          // Decoded exactly once: re-encoding the segments gives back the same path.
          decodeStreamPath(segments.map(encodeURIComponent).join("/")) === path &&
          raw.split("/").length === segments.length
        );
      }),
      params,
    );
  });

  test("request targets split without resolving anything, or are refused", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.boolean(), (rest, absolute) => {
        const target = absolute
          ? `http://host${rest.startsWith("/") ? "" : "/"}${rest}`
          : `/${rest}`;
        let parsed: ReturnType<typeof parseRequestTarget>;
        try {
          parsed = parseRequestTarget(target);
        } catch (error) {
          return error instanceof StreamPathError;
        }
        const origin = absolute ? target.slice("http://host".length) : target;
        const rebuilt =
          parsed.query === "" && !origin.endsWith("?")
            ? parsed.pathname
            : `${parsed.pathname}?${parsed.query}`;
        return (
          rebuilt === origin && parsed.pathname.startsWith("/") && !parsed.pathname.includes("?")
        );
      }),
      params,
    );
  });
});

describe("JSON framing", () => {
  const frame = (value: unknown) => frameJsonBody(encoder.encode(JSON.stringify(value)), false);
  const read = (stored: Uint8Array) =>
    JSON.parse(decoder.decode(jsonArrayBody(stored))) as unknown[];

  test("one value is one message; a non-empty array is one message per element", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const canonical = JSON.parse(JSON.stringify(value)) as unknown;
        const framed = frame(canonical);
        if (Array.isArray(canonical) && canonical.length === 0) return framed === "empty-array";
        if (typeof framed === "string") return false;
        const messages = Array.isArray(canonical) ? canonical : [canonical];
        expect(framed.count).toBe(messages.length);
        expect(read(framed.bytes)).toEqual(messages);
        return true;
      }),
      params,
    );
  });

  test("appends concatenate into one array, and message prefixes fall on boundaries", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.jsonValue(), { minLength: 1, maxLength: 4 }), {
          minLength: 1,
          maxLength: 5,
        }),
        (appends) => {
          const canonical = JSON.parse(JSON.stringify(appends)) as unknown[][];
          const parts = canonical.map((batch) => {
            const framed = frame(batch);
            if (typeof framed === "string") throw new Error(framed);
            return framed.bytes;
          });
          const stored = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
          let at = 0;
          for (const part of parts) {
            stored.set(part, at);
            at += part.length;
          }
          const messages = canonical.flat();
          expect(read(stored)).toEqual(messages);
          for (let k = 0; k <= messages.length; k++) {
            const length = storedJsonPrefixLength(stored, k);
            expect(length).toBeDefined();
            expect(read(stored.subarray(0, length))).toEqual(messages.slice(0, k));
          }
          expect(storedJsonPrefixLength(stored, messages.length + 1)).toBeUndefined();
          return true;
        },
      ),
      { ...params, numRuns: 200 },
    );
  });

  test("arbitrary bytes are refused or framed into valid JSON", () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.jsonValue().map((v) => encoder.encode(` ${JSON.stringify(v, null, 1)}\n`)),
      fc
        .string({
          unit: fc.constantFrom("[", "]", "{", "}", '"', ",", ":", "1", " ", "\\", "a", "n"),
        })
        .map((s) => encoder.encode(s)),
    );
    fc.assert(
      fc.property(bytes, (body) => {
        const framed = frameJsonBody(body.slice(), false);
        if (typeof framed === "string")
          return framed === "invalid-json" || framed === "empty-array";
        const messages = read(framed.bytes);
        return messages.length === framed.count && framed.bytes.at(-1) === 0x2c;
      }),
      params,
    );
  });
});

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
