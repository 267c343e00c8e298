/**
 * `vitest` inside workerd, for suites written for vitest that must run on the
 * Workers runtime itself (the store contract on a Durable Object's SQLite).
 * `describe` and `it` only register tests; `expect` is vitest's own
 * (`@vitest/expect` on chai), so assertions mean exactly what they mean in Node.
 */

import { chai, JestAsymmetricMatchers, JestChaiExpect, JestExtend, setState } from "@vitest/expect";

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

/** What a test gets: `skip()` ends it as skipped. */
export interface TestContext {
  skip(): never;
}

type TestBody = (context: TestContext) => unknown;

/** Registered tests by full name. */
export const registeredTests = new Map<string, TestBody>();
const prefixes: string[] = [];

/** Thrown by `context.skip()`. */
export class Skipped extends Error {}

export function describe(name: string, body: () => void): void {
  prefixes.push(name);
  try {
    body();
  } finally {
    prefixes.pop();
  }
}

export function it(name: string, body: TestBody): void {
  registeredTests.set([...prefixes, name].join(" > "), body);
}

export function expect(value: unknown, message?: string): Chai.Assertion {
  setState(
    {
      assertionCalls: 0,
      isExpectingAssertions: false,
      isExpectingAssertionsError: null,
      expectedAssertionsNumber: null,
      expectedAssertionsNumberErrorGen: null,
      environment: "workerd",
      testPath: "",
      currentTestName: "",
    },
    expect as unknown as Parameters<typeof setState>[1],
  );
  return chai.expect(value, message);
}

/** Runs one registered test: "pass", "skip", or the failure's message. */
export async function runTest(
  name: string,
): Promise<{ status: "pass" | "skip" | "fail"; message?: string }> {
  const body = registeredTests.get(name);
  if (!body) return { status: "fail", message: `no test named ${name}` };
  try {
    await body({
      skip: () => {
        throw new Skipped();
      },
    });
    return { status: "pass" };
  } catch (error) {
    if (error instanceof Skipped) return { status: "skip" };
    return {
      status: "fail",
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  }
}
