/**
 * Environment lookup that works in Node, Deno, Vite/browser builds and Workers
 * without any runtime typings.
 *
 * @module
 */

/** A map of environment variables, e.g. `process.env` or a test fixture. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

type EnvReader = (name: string) => string | undefined;

function fromRecord(record: unknown): EnvReader | undefined {
  if (typeof record !== "object" || record === null) return undefined;
  return (name) => {
    const value = (record as Record<string, unknown>)[name];
    return typeof value === "string" ? value : undefined;
  };
}

function defaultReaders(): EnvReader[] {
  const readers: EnvReader[] = [];
  const g = globalThis as {
    process?: { env?: unknown };
    Deno?: { env?: { get?: (name: string) => string | undefined } };
  };
  const processEnv = fromRecord(g.process?.env);
  if (processEnv) readers.push(processEnv);
  let metaEnv: unknown;
  try {
    metaEnv = (import.meta as unknown as { env?: unknown }).env;
  } catch {
    metaEnv = undefined;
  }
  const viteEnv = fromRecord(metaEnv);
  if (viteEnv) readers.push(viteEnv);
  const denoGet = g.Deno?.env?.get;
  if (typeof denoGet === "function") {
    readers.push((name) => {
      try {
        return denoGet.call(g.Deno?.env, name);
      } catch {
        return undefined; // no --allow-env permission
      }
    });
  }
  return readers;
}

/**
 * Reads `name` from `env` when given, otherwise from `process.env`,
 * `import.meta.env` (Vite) and `Deno.env`, in that order. Empty or
 * whitespace-only values count as unset; values are trimmed.
 */
export function readEnv(name: string, env?: EnvSource): string | undefined {
  const readers = env ? [fromRecord(env) as EnvReader] : defaultReaders();
  for (const read of readers) {
    const value = read(name)?.trim();
    if (value) return value;
  }
  return undefined;
}

/** Returns the first of `names` that is set, with its value. */
export function readFirstEnv(
  names: readonly string[],
  env?: EnvSource,
): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = readEnv(name, env);
    if (value !== undefined) return { name, value };
  }
  return undefined;
}
