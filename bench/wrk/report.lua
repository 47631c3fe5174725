-- Prints one JSON line with the run's totals and latency percentiles, for bench/bench.py.
-- Loaded by every wrk run: `wrk -s bench/wrk/report.lua ...` (the write mix includes it too).
-- An optional first script argument is an Authorization header value.

function init(args)
  if args[1] and args[1] ~= "" then
    wrk.headers["Authorization"] = args[1]
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"errors_connect":%d,"errors_read":%d,' ..
    '"errors_write":%d,"errors_status":%d,"errors_timeout":%d,"p50_us":%d,"p90_us":%d,' ..
    '"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
