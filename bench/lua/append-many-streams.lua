-- POSTs a 90-byte JSON message to <prefix>0 .. <prefix>(count-1), rotating;
-- each thread starts at a different stream.
-- Arguments (after --): <count> <prefix>
local body = '{"i":0,"t":0,"p":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}'
local requests = {}
local next_index = 1
local thread_number = 0

function on_setup(thread)
  thread:set("thread_number", thread_number)
  thread_number = thread_number + 1
end

function init(args)
  local count = tonumber(args[1])
  local prefix = args[2]
  local headers = { ["Content-Type"] = "application/json" }
  for i = 0, count - 1 do
    requests[#requests + 1] = wrk.format("POST", prefix .. i, headers, body)
  end
  next_index = (thread_number * 7919) % #requests + 1
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

dofile(os.getenv("WRK_REPORT_LUA"))
