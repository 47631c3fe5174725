-- The write mix: each connection cycles through creating an article, commenting on a seeded
-- article, favoriting it and unfavoriting it (four writes, the unfavorite undoing the favorite),
-- all as one signed-in user. Arguments: Authorization header value, target article slug.
-- Works against any RealWorld API (Conduit's and the anchors').

-- done() (the JSON report) comes from report.lua; init() below replaces its init().
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local counter = 0
local thread_id = 0
local slug = ""

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
end

function init(args)
  wrk.headers["Authorization"] = args[1]
  wrk.headers["Content-Type"] = "application/json"
  slug = args[2]
  math.randomseed(os.time() * 1000 + (id or 0))
end

function request()
  counter = counter + 1
  local step = counter % 4
  if step == 0 then
    local title = string.format("Bench write %d-%d-%d", id or 0, counter, math.random(1e9))
    return wrk.format("POST", "/api/articles", nil, string.format(
      '{"article":{"title":"%s","description":"written by the benchmark","body":"Some *markdown* body.","tagList":["bench"]}}',
      title))
  elseif step == 1 then
    return wrk.format("POST", "/api/articles/" .. slug .. "/comments", nil,
      '{"comment":{"body":"A benchmark comment."}}')
  elseif step == 2 then
    return wrk.format("POST", "/api/articles/" .. slug .. "/favorite", nil, "")
  else
    return wrk.format("DELETE", "/api/articles/" .. slug .. "/favorite", nil, "")
  end
end
