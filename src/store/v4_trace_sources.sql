-- Which inputs each trace came from, so every finding can name its file (SARIF locations, the
-- audit table, JUnit). Traces stored before this migration have no rows here.
CREATE TABLE trace_sources (
    trace_id BLOB NOT NULL,
    digest BLOB NOT NULL REFERENCES sources(digest),
    PRIMARY KEY (trace_id, digest)
) WITHOUT ROWID;
