/**
 * The JSON scanner must accept exactly what a fatal UTF-8 decode followed by
 * `JSON.parse` accepts, and report the top-level array's length. Checked on
 * hand-picked edge cases and on many random documents and random byte
 * mutations of them, against the real thing.
 */

import { describe, expect, test } from "vitest";
import { seededRandom } from "../../../test-support/seeded-random.js";
import { frameJsonBody } from "../src/json-framing.js";
import { scanJson } from "../src/json-scan.js";

const encoder = new TextEncoder();
const fatal = new TextDecoder("utf-8", { fatal: true });

function reference(bytes: Uint8Array): { valid: boolean; arrayLength: number } {
  try {
    const value: unknown = JSON.parse(fatal.decode(bytes));
    return { valid: true, arrayLength: Array.isArray(value) ? value.length : -1 };
  } catch {
    return { valid: false, arrayLength: -1 };
  }
}

function agrees(bytes: Uint8Array): void {
  const expected = reference(bytes);
  const scan = scanJson(bytes);
  const got = { valid: scan !== undefined, arrayLength: scan?.arrayLength ?? -1 };
  if (got.valid !== expected.valid || got.arrayLength !== expected.arrayLength) {
    expect({ input: Array.from(bytes), ...got }).toEqual({ input: Array.from(bytes), ...expected });
  }
}

const CASES = [
  "0",
  "-0",
  "01",
  "1.",
  ".5",
  "1e",
  "1e+",
  "1E-7",
  "-",
  "--1",
  "1.5e3",
  "2e308",
  "-0.0e-0",
  "true",
  "tru",
  "truex",
  "false",
  "null",
  "nul",
  "NaN",
  "Infinity",
  '""',
  '"',
  '"\\u00e9"',
  '"\\u00"',
  '"\\x41"',
  '"\\/"',
  '"tab\there"',
  '"\\uD800"',
  '"é😀"',
  "[]",
  "[ ]",
  "[,]",
  "[1,]",
  "[1 2]",
  "[[],[[]]]",
  '[1,[2,3],{"a":[4]}]',
  "[",
  "]",
  "{}",
  "{ }",
  '{"a":1}',
  '{"a" 1}',
  '{"a":}',
  "{a:1}",
  '{"a":1,}',
  '{"a":1 "b":2}',
  "{",
  '{"a":{"b":{"c":[1,{"d":null}]}}}',
  " \n\t[1, 2 ,\r\n3 ] \n",
  "[1] x",
  "[1]]",
  "{}}",
  "",
  "   ",
  "\ufeff[1]",
  "\ufeff",
  "[\u00a0]",
  "[1,\u0000]",
];

function randomValue(depth: number, random: () => number): unknown {
  const kind = Math.floor(random() * (depth > 3 ? 5 : 7));
  switch (kind) {
    case 0:
      return Math.floor(random() * 2000 - 1000) / (random() < 0.5 ? 1 : 7);
    case 1:
      return ["", "a", 'quote"', "back\\slash", "é", "😀", "\u0001", "line\nbreak"][
        Math.floor(random() * 8)
      ];
    case 2:
      return random() < 0.5;
    case 3:
      return null;
    case 4:
      return random() * 1e21;
    case 5:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(depth + 1, random));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 4) }, (_, k) => [
          `k${k}`,
          randomValue(depth + 1, random),
        ]),
      );
  }
}

describe("scanJson", () => {
  test("agrees with JSON.parse on edge cases", () => {
    for (const text of CASES) agrees(encoder.encode(text));
  });

  test("agrees on malformed UTF-8", () => {
    const bad = [
      [0x22, 0xc0, 0x80, 0x22], // overlong NUL
      [0x22, 0xe0, 0x80, 0x80, 0x22], // overlong
      [0x22, 0xed, 0xa0, 0x80, 0x22], // encoded surrogate
      [0x22, 0xf4, 0x90, 0x80, 0x80, 0x22], // above U+10FFFF
      [0x22, 0xc3, 0x22], // truncated
      [0x22, 0x80, 0x22], // lone continuation
      [0x22, 0xff, 0x22],
      [0x5b, 0xc3, 0xa9, 0x5d], // valid UTF-8 outside a string
    ];
    for (const bytes of bad) agrees(new Uint8Array(bytes));
  });

  test("agrees on random documents and their random mutations", () => {
    const random = seededRandom(42);
    const alphabet = encoder.encode(' \n[]{}",:\\-+.eE0123456789tfnulrsa\u00e9');
    for (let n = 0; n < 3000; n++) {
      const value = randomValue(0, random);
      const text = JSON.stringify(value, null, random() < 0.3 ? 1 : undefined);
      const bytes = encoder.encode(text);
      agrees(bytes);
      for (let m = 0; m < 4; m++) {
        const mutated = Uint8Array.from(bytes);
        const at = Math.floor(random() * mutated.length);
        const op = Math.floor(random() * 3);
        if (op === 0) mutated[at] = alphabet[Math.floor(random() * alphabet.length)]!;
        if (op === 1) agrees(mutated.subarray(0, at));
        else if (op === 2)
          agrees(Uint8Array.from([...mutated.subarray(0, at), ...mutated.subarray(at + 1)]));
        else agrees(mutated);
      }
    }
  });
});

describe("frameJsonBody", () => {
  test("stores a top-level array's elements as sent, a single value as one message", () => {
    const frame = (text: string) => {
      const framed = frameJsonBody(encoder.encode(text), false);
      return typeof framed === "string"
        ? framed
        : [new TextDecoder().decode(framed.bytes), framed.count];
    };
    expect(frame(' [1, {"a": 2} ]\n')).toEqual(['1, {"a": 2} ,', 2]);
    expect(frame('\ufeff{"a":1}')).toEqual(['{"a":1},', 1]);
    expect(frame('"text" \n')).toEqual(['"text",', 1]);
    expect(frame("42")).toEqual(["42,", 1]);
    expect(frame("[]")).toBe("empty-array");
    expect(frame("[1,]")).toBe("invalid-json");
    expect(frame("  ")).toBe("invalid-json");
    expect(frameJsonBody(encoder.encode(" \n"), true)).toEqual({
      bytes: new Uint8Array(0),
      count: 0,
    });
  });
});
