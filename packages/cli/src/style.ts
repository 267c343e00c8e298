/** Colours for terminal output: only on a terminal, never with NO_COLOR or TERM=dumb. */

import pc from "picocolors";

/** picocolors' formatter set (each one the identity when colours are off). */
export type Colors = ReturnType<typeof pc.createColors>;

/** Whether output to `out` may be coloured (https://no-color.org). */
export function colorEnabled(
  out: { readonly isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return out.isTTY === true;
}

/** Formatters for `out`. */
export function colorsFor(
  out: { readonly isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): Colors {
  return pc.createColors(colorEnabled(out, env));
}
