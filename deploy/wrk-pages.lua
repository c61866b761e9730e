-- wrk script for deploy/bench.sh: alternates the dashboard and the project list and prints
-- one JSON line: throughput, latency percentiles and every kind of failed request.
local paths = { "/", "/projects/" }
local counter = 0

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[counter % #paths + 1])
end

done = function(summary, latency, requests)
  local errors = summary.errors
  local failed = errors.connect + errors.read + errors.write + errors.timeout + errors.status
  io.write(string.format(
    '{"requests":%d,"seconds":%.1f,"requests_per_s":%.1f,"p50_ms":%.1f,"p99_ms":%.1f,"max_ms":%.1f,' ..
    '"failed":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,"non_2xx_3xx":%d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    failed, errors.connect, errors.read, errors.write, errors.timeout, errors.status))
end
