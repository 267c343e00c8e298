/**
 * The drop-in claim: code written against `@durable-streams/client` keeps
 * working with only its import line changed. Every export of the official
 * package exists here with the same kind, and every public method and static
 * of its classes exists on ours (inherited ones included).
 */

import * as official from "@durable-streams/client";
import { describe, expect, it } from "vitest";
import * as ours from "../src/index.js";

const oursByName = ours as Record<string, unknown>;

/** Public method names along a prototype chain (underscore-private ones left out). */
function methodNames(prototype: object | null): Set<string> {
  const names = new Set<string>();
  for (let p = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name !== "constructor" && !name.startsWith("_")) names.add(name);
    }
  }
  return names;
}

/** Own static members of a class, without the function's built-in properties. */
function staticNames(cls: object): string[] {
  return Object.getOwnPropertyNames(cls).filter(
    (name) => !["length", "name", "prototype"].includes(name) && !name.startsWith("_"),
  );
}

describe("drop-in for @durable-streams/client", () => {
  const exported = Object.entries(official as Record<string, unknown>);

  it("exports every name the official client exports, with the same kind", () => {
    expect(exported.length).toBeGreaterThan(0);
    const mismatches = exported
      .filter(([name, value]) => typeof oursByName[name] !== typeof value)
      .map(([name, value]) => `${name}: official ${typeof value}, ours ${typeof oursByName[name]}`);
    expect(mismatches).toEqual([]);
  });

  it("has every public method and static of the official classes", () => {
    const classes = exported.filter(
      (entry): entry is [string, { prototype: object }] =>
        typeof entry[1] === "function" &&
        typeof (entry[1] as { prototype?: unknown }).prototype === "object",
    );
    const missing: string[] = [];
    for (const [name, cls] of classes) {
      const mine = oursByName[name] as { prototype?: object } & object;
      const ourMethods = methodNames(mine.prototype ?? null);
      for (const method of methodNames(cls.prototype)) {
        if (!ourMethods.has(method)) missing.push(`${name}.prototype.${method}`);
      }
      for (const member of staticNames(cls)) {
        if (!(member in mine)) missing.push(`${name}.${member}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("keeps the official constant values", () => {
    const constants = exported.filter(
      ([, value]) => typeof value === "string" || typeof value === "number",
    );
    expect(constants.length).toBeGreaterThan(0);
    for (const [name, value] of constants) expect([name, oursByName[name]]).toEqual([name, value]);
  });
});
