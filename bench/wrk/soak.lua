-- The soak mix: nine reads (API lists, filters, one article, tags, the feed, the SSR home and
-- article pages) and one comment write in every ten requests, with a fixed pause per request
-- so the total rate stays near a target. Arguments: Authorization header value, the slug read,
-- the slug commented on, the pause in milliseconds.

dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local auth, slug, comment_slug, pause = "", "", "", 0
local counter = 0

function init(args)
  auth, slug, comment_slug, pause = args[1], args[2], args[3], tonumber(args[4])
end

function delay()
  return pause
end

function request()
  counter = counter + 1
  local step = counter % 10
  if step == 0 then return wrk.format("GET", "/api/articles?limit=20") end
  if step == 1 then return wrk.format("GET", "/api/articles/" .. slug) end
  if step == 2 then return wrk.format("GET", "/api/tags") end
  if step == 3 then return wrk.format("GET", "/") end
  if step == 4 then return wrk.format("GET", "/article/" .. slug) end
  if step == 5 then return wrk.format("GET", "/api/articles?tag=rust&limit=20") end
  if step == 6 then return wrk.format("GET", "/api/articles/feed?limit=20", { ["Authorization"] = auth }) end
  if step == 7 then return wrk.format("GET", "/api/articles?limit=20&offset=20") end
  if step == 8 then return wrk.format("GET", "/api/articles/" .. slug .. "/comments") end
  return wrk.format("POST", "/api/articles/" .. comment_slug .. "/comments",
    { ["Authorization"] = auth, ["Content-Type"] = "application/json" },
    '{"comment":{"body":"A soak comment."}}')
end
