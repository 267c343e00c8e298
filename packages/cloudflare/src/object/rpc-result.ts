/**
 * Results of the fork RPCs between objects. An RPC carries a thrown error's
 * message but not its fields, so protocol errors travel as values and are
 * thrown again, status and code intact, on the caller's side.
 */

import { type ErrorCode, ProtocolError } from "@durastream/server-core";

/** A value, or the protocol error the callee threw. */
export type RpcResult<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly status: number;
      readonly code: string;
      readonly message: string;
      readonly headers: Record<string, string>;
    };

/** Runs `work` on the callee's side; protocol errors become values, others are thrown. */
export async function rpcResult<T>(work: () => Promise<T>): Promise<RpcResult<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return {
      ok: false,
      status: error.status,
      code: error.code,
      message: error.message,
      headers: error.headers,
    };
  }
}

/** The value of a result on the caller's side, or its protocol error thrown again. */
export function unwrap<T>(result: RpcResult<T>): T {
  if (result.ok) return result.value;
  throw new ProtocolError(result.status, result.code as ErrorCode, result.message, result.headers);
}

/** A byte range as it crosses an RPC: loaded bytes only. */
export interface WireRange {
  readonly start: number;
  readonly end: number;
  readonly chunks: Uint8Array[];
}
