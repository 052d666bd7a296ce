---@meta gentask.metrics
-- gentask.metrics: metrics snapshots summed and rendered in Prometheus' text format
-- (lua/gentask/metrics.lua; docs/metrics.md lists every metric).

---@class gentask.metrics
local metrics = {}

---One snapshot of every provider the snapshots hold: counters, gauges and histograms added.
---@param snapshots table[] clients' snapshots (client:metrics()) or sums, with the same bounds
---@return table snapshot
function metrics.sum(snapshots) end

---Text in Prometheus' exposition format (0.0.4).
---@param snapshot? table a client's, a sum, or nil: every client of this process
---@return string
function metrics.prometheus(snapshot) end

return metrics
