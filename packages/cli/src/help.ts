/** Help text shared by the stream commands. */

/** The `--url`/`--help` and environment section of every stream command's help. */
export const CONNECTION_HELP = `Connection (also accepted before the command name):
  --url <url>      stream root (env DURABLE_STREAMS_URL;
                   default http://localhost:4437/v1/stream)
  --token <secret> bearer secret (env STREAMS_SECRET, DURABLE_STREAMS_SECRET)
  --verbose        on failure, print the details behind the one-line error
  -h, --help       show this help

Environment:
  DURABLE_STREAMS_URL                      stream-root URL
  STREAMS_SECRET / DURABLE_STREAMS_SECRET  sent as "Authorization: Bearer <secret>"
  NO_COLOR                                 no colours (they are only used on a terminal)

<path> is a stream path under the root (e.g. chat/42) or a full stream URL.`;
