-- Shared by the wrk scripts: counts failed statuses per thread and prints one
-- JSON line the bench parses (latencies in microseconds).
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
  if on_setup then on_setup(thread) end
end

failed_statuses = {}

function response(status)
  if status >= 400 then failed_statuses[status] = (failed_statuses[status] or 0) + 1 end
end

function done(summary, latency, requests)
  local by_status = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("failed_statuses")) do
      by_status[status] = (by_status[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(by_status) do parts[#parts + 1] = string.format('"%d":%d', status, count) end
  local e = summary.errors
  io.write(string.format(
    '{"event":"result","requests":%d,"durationUs":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"failedStatuses":{%s},' ..
    '"latencyUs":{"p50":%d,"p99":%d,"max":%d,"mean":%.1f},"cpuSeconds":%.3f}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ","),
    latency:percentile(50), latency:percentile(99), latency.max, latency.mean,
    -- clock() is the CPU time of the whole process (every wrk thread): the
    -- saturation scenario checks that the load generator is not the bottleneck.
    os.clock()))
end
