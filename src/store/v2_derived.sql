-- Derived tables: rebuilt from the raw spans by normalization and analysis (`fanout reindex`).
-- Nothing here is input; dropping these rows loses nothing.
CREATE TABLE runs (
    trace_id BLOB PRIMARY KEY,
    conventions TEXT NOT NULL,              -- comma-separated convention names
    timing TEXT NOT NULL,                   -- recorded | absent
    service TEXT,
    root_name TEXT,
    start_unix_nano INTEGER,
    end_unix_nano INTEGER,
    span_count INTEGER NOT NULL,
    model_calls INTEGER NOT NULL,
    tool_calls INTEGER NOT NULL,
    batches INTEGER NOT NULL,
    parallel_batches INTEGER NOT NULL,
    findings INTEGER NOT NULL,
    worst_severity TEXT,                    -- info | latent | observed
    final_answer TEXT,
    final_answer_span_id BLOB,
    degraded TEXT NOT NULL                  -- JSON array of {code, message}
);

CREATE TABLE model_calls (
    trace_id BLOB NOT NULL,
    idx INTEGER NOT NULL,
    span_id BLOB,
    name TEXT NOT NULL,
    model TEXT,
    start_unix_nano INTEGER,
    end_unix_nano INTEGER,
    finish_reason TEXT,
    output_text TEXT,
    PRIMARY KEY (trace_id, idx)
);

CREATE TABLE batches (
    trace_id BLOB NOT NULL,
    idx INTEGER NOT NULL,
    batch_id TEXT NOT NULL,
    emitted_by INTEGER,
    calls INTEGER NOT NULL,
    PRIMARY KEY (trace_id, idx)
);

CREATE TABLE tool_calls (
    trace_id BLOB NOT NULL,
    idx INTEGER NOT NULL,
    call_id TEXT,
    name TEXT NOT NULL,
    arguments TEXT,
    result TEXT,
    error TEXT,
    status TEXT NOT NULL,
    emitted_by INTEGER,
    batch_idx INTEGER,
    span_id BLOB,
    start_unix_nano INTEGER,
    end_unix_nano INTEGER,
    matched_by TEXT NOT NULL,
    convention TEXT NOT NULL,
    PRIMARY KEY (trace_id, idx)
);

CREATE TABLE findings (
    trace_id BLOB NOT NULL,
    idx INTEGER NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    resource TEXT NOT NULL,
    batch_idx INTEGER NOT NULL,
    call_idxs TEXT NOT NULL,                -- JSON array
    explanation TEXT NOT NULL,
    PRIMARY KEY (trace_id, idx)
);
