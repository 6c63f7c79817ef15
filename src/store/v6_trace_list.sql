-- What the trace list reads without scanning spans or joining per trace: the traces that need
-- analysis, and each run's finding kinds and source.

-- The traces whose derived rows are missing or out of date (spans or logs arrived after their
-- analysis), so readers find them without scanning every span: a commit that changes a trace
-- adds it, storing its analysis removes it.
CREATE TABLE stale_traces (trace_id BLOB PRIMARY KEY) WITHOUT ROWID;
INSERT OR IGNORE INTO stale_traces (trace_id)
    SELECT DISTINCT s.trace_id FROM spans s
    WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.trace_id = s.trace_id);

-- A run's finding kinds (comma-separated), so the trace list reads one row per trace instead of
-- gathering them from `findings` for every trace.
ALTER TABLE runs ADD COLUMN finding_kinds TEXT;
UPDATE runs SET finding_kinds =
    (SELECT GROUP_CONCAT(DISTINCT f.kind) FROM findings f WHERE f.trace_id = runs.trace_id);

-- A run's source (the first input that held the trace), so the list joins nothing per trace.
ALTER TABLE runs ADD COLUMN source TEXT;
UPDATE runs SET source =
    (SELECT s.name FROM trace_sources ts JOIN sources s ON s.digest = ts.digest
     WHERE ts.trace_id = runs.trace_id ORDER BY s.rowid LIMIT 1);
