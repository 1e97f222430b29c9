-- wrk script for `make bench` (bench/run.py writes the request file and reads what done() prints).
--
--   wrk -t1 -c2 -d10s -s bench/wrk.lua http://127.0.0.1:PORT -- requests.tsv EXPECT [once]
--
-- requests.tsv: one request a line, "METHOD<TAB>PATH<TAB>COOKIE<TAB>BODY" (the signed-in sessions come from
-- real sign-ins that bench/run.py made before). The lines are sent in turn; with "once" each line is sent at
-- most once (quiz submissions: every attempt can be submitted only once) and the run stops when they run out.
-- EXPECT is the status every response must have, optionally followed by ":" and a text the Location header must
-- contain (a submission redirects to /attempts/<id>); any other response is counted in "unexpected".

local lines = {}
local index = 0
local once = false
local expect_status = 200
local expect_location = nil
local unexpected = 0
local exhausted = false
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if method then
      local headers = {["User-Agent"] = "jichiho-bench"}
      if cookie ~= "" then headers["Cookie"] = cookie end
      if method == "POST" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
      table.insert(lines, wrk.format(method, path, headers, body ~= "" and body or nil))
    end
  end
  local status, location = (args[2] or "200"):match("^(%d+):?(.*)$")
  expect_status = tonumber(status)
  if location ~= "" then expect_location = location end
  once = args[3] == "once"
end

function request()
  index = index + 1
  if index > #lines then
    if once then
      exhausted = true
      return wrk.format("GET", "/healthz", {["User-Agent"] = "jichiho-bench"})
    end
    index = 1
  end
  return lines[index]
end

function response(status, headers, body)
  if exhausted then
    wrk.thread:stop()
    return
  end
  local ok = status == expect_status
  if ok and expect_location then
    local location = headers["Location"] or headers["location"] or ""
    ok = location:find(expect_location, 1, true) ~= nil
  end
  if not ok then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("unexpected") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %.3f, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"mean_us": %.0f, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, "unexpected": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout, bad))
end
