-- wrk script for esans serve: POST /v1/retrieve with a random known user per request.
-- Environment: ESANS_USERS (number of users; ids 0..N-1 as in the LightGCN layout),
-- ESANS_K (default 100), ESANS_INDEX (exact or ivf; default exact).
local users = tonumber(os.getenv("ESANS_USERS") or "1000")
local k = tonumber(os.getenv("ESANS_K") or "100")
local index = os.getenv("ESANS_INDEX") or "exact"
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  math.randomseed(1000 + (id or 0))
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local u = math.random(0, users - 1)
  local body = string.format('{"user_id": %d, "k": %d, "index": "%s", "exclude_seen": true}', u, k, index)
  return wrk.format("POST", "/v1/retrieve", nil, body)
end
