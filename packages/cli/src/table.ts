/** Terminal tables (cli-table3): compact rows, colours only where allowed. */

import Table from "cli-table3";
import type { Io } from "./io.js";
import { colorEnabled } from "./style.js";

/** A table for `io.stdout` with header `head`; push rows, then `toString()`. */
export function newTable(head: string[], io: Io): InstanceType<typeof Table> {
  const color = colorEnabled(io.stdout, io.env);
  return new Table({
    head,
    // No separator line between rows: one line per row reads like `ls -l`.
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
    style: { head: color ? ["cyan"] : [], border: color ? ["grey"] : [] },
  });
}
