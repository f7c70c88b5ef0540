-- wrk script: each request signs in as the next user from the token file (one token per line),
-- so the server sees many viewers, as in production, not one hot timeline.
local tokens = {}
local path = os.getenv("TOKENS_FILE")
for line in io.lines(path) do tokens[#tokens + 1] = line end
local offset = tonumber(os.getenv("TOKENS_OFFSET") or "0")
local next_index = 0

function setup(thread)
  thread:set("thread_offset", offset)
  offset = offset + math.floor(#tokens / 2)
end

request = function()
  next_index = next_index + 1
  local token = tokens[((next_index + (thread_offset or 0)) % #tokens) + 1]
  return wrk.format("GET", wrk.path, {["Authorization"] = "Bearer " .. token})
end
