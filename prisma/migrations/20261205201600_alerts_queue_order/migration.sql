-- The alert queue's order as an index (issue #15, alert queue ≤ 200 ms): most severe first, then
-- the most recent hit, then id (lib/detections/alerts.ts listAlerts, LEVEL_RANK_SQL; the
-- expression must stay the same for the planner to match it). A page of the queue is then the
-- first hundred index entries of the window (read backwards), instead of sorting every alert of
-- the window; keyset pages continue from the cursor's (rank, last_seen, id) in the same index.
CREATE INDEX "alerts_queue_order_idx" ON "alerts" ("tenant_id", (CASE "level" WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END), "last_seen", "id");
