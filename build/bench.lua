-- wrk script for `make bench`: asks for JSON like a REST client and prints
-- one machine-readable summary line (latencies in microseconds).
wrk.headers["Accept"] = "application/json"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\"requests\": %d, \"duration_us\": %d, \"bytes\": %d, " ..
    "\"err_connect\": %d, \"err_read\": %d, \"err_write\": %d, " ..
    "\"err_status\": %d, \"err_timeout\": %d, \"mean_us\": %.1f, " ..
    "\"p50_us\": %d, \"p90_us\": %d, \"p99_us\": %d, \"max_us\": %d}\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout, latency.mean,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
