/** Small one-off requests the scenarios need around the measured load. */

import { formatRequest, HttpConnection } from "./http-connection.js";

export async function createStream(
  port: number,
  path: string,
  contentType = "application/json",
): Promise<void> {
  const connection = await HttpConnection.connect(port);
  try {
    const response = await connection.request(
      formatRequest("PUT", path, { "Content-Type": contentType }, ""),
    );
    if (response.status !== 201 && response.status !== 200) {
      throw new Error(`PUT ${path} answered ${response.status}`);
    }
  } finally {
    connection.close();
  }
}

/** Status of a HEAD request, or undefined when the server does not answer. */
export async function headStatus(port: number, path: string): Promise<number | undefined> {
  let connection: HttpConnection | undefined;
  try {
    connection = await HttpConnection.connect(port);
    const response = await connection.request(formatRequest("HEAD", path), { head: true });
    return response.status;
  } catch {
    return undefined;
  } finally {
    connection?.close();
  }
}
