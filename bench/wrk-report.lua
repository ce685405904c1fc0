-- wrk's closing report as one JSON line (latencies in ms), for bench/wrk.ts.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"n":%d,"p50":%.2f,"p90":%.2f,"p99":%.2f,"max":%.2f,"mean":%.2f,"errors":%d,"seconds":%.3f}\n',
    summary.requests, latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000, e.connect + e.read + e.write + e.status + e.timeout, summary.duration / 1e6))
end
