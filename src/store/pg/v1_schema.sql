-- The PostgreSQL schema, equal in content to SQLite's v1..v4. Ids as their bytes, times as
-- integer nanoseconds, free text from traces as bytea (UTF-8; `text` cannot hold NUL), JSON as
-- text. Resources and scopes are keyed by a digest of their content (a btree index entry has a
-- size limit their content may exceed).
CREATE TABLE resources (
    id BIGSERIAL PRIMARY KEY,
    digest BYTEA NOT NULL UNIQUE,
    attributes TEXT NOT NULL,
    dropped_attributes_count BIGINT NOT NULL,
    schema_url BYTEA NOT NULL
);

CREATE TABLE scopes (
    id BIGSERIAL PRIMARY KEY,
    digest BYTEA NOT NULL UNIQUE,
    name BYTEA NOT NULL,
    version BYTEA NOT NULL,
    attributes TEXT NOT NULL,
    dropped_attributes_count BIGINT NOT NULL,
    schema_url BYTEA NOT NULL
);

CREATE TABLE spans (
    trace_id BYTEA NOT NULL,
    span_id BYTEA NOT NULL,
    parent_span_id BYTEA,
    name BYTEA NOT NULL,
    kind INTEGER NOT NULL,
    start_unix_nano BIGINT NOT NULL,
    end_unix_nano BIGINT NOT NULL,
    trace_state BYTEA NOT NULL,
    flags BIGINT NOT NULL,
    status_code INTEGER NOT NULL,
    status_message BYTEA NOT NULL,
    attributes BYTEA NOT NULL,
    dropped_attributes_count BIGINT NOT NULL,
    events TEXT NOT NULL,
    dropped_events_count BIGINT NOT NULL,
    links TEXT NOT NULL,
    dropped_links_count BIGINT NOT NULL,
    resource_id BIGINT NOT NULL REFERENCES resources(id),
    scope_id BIGINT NOT NULL REFERENCES scopes(id),
    PRIMARY KEY (trace_id, span_id)
);

-- Every input ever ingested, by content digest; `seq` keeps the order they arrived in.
CREATE TABLE sources (
    digest BYTEA PRIMARY KEY,
    seq BIGSERIAL NOT NULL,
    name BYTEA NOT NULL,
    format TEXT NOT NULL,
    spans BIGINT NOT NULL
);

CREATE TABLE trace_sources (
    trace_id BYTEA NOT NULL,
    digest BYTEA NOT NULL REFERENCES sources(digest),
    PRIMARY KEY (trace_id, digest)
);

CREATE TABLE logs (
    id BIGSERIAL PRIMARY KEY,
    digest BYTEA NOT NULL UNIQUE,
    trace_id BYTEA NOT NULL,
    span_id BYTEA,
    time_unix_nano BIGINT NOT NULL,
    observed_time_unix_nano BIGINT NOT NULL,
    severity_number INTEGER NOT NULL,
    severity_text BYTEA NOT NULL,
    event_name BYTEA NOT NULL,
    body BYTEA NOT NULL,
    attributes BYTEA NOT NULL,
    dropped_attributes_count BIGINT NOT NULL,
    flags BIGINT NOT NULL,
    resource_id BIGINT NOT NULL REFERENCES resources(id),
    scope_id BIGINT NOT NULL REFERENCES scopes(id)
);

CREATE INDEX logs_by_trace ON logs (trace_id);

-- Derived tables: a cache of normalization and analysis (`fanout reindex` rebuilds them).
CREATE TABLE runs (
    trace_id BYTEA PRIMARY KEY,
    conventions TEXT NOT NULL,
    timing TEXT NOT NULL,
    service BYTEA,
    root_name BYTEA,
    start_unix_nano BIGINT,
    end_unix_nano BIGINT,
    span_count BIGINT NOT NULL,
    model_calls BIGINT NOT NULL,
    tool_calls BIGINT NOT NULL,
    batches BIGINT NOT NULL,
    parallel_batches BIGINT NOT NULL,
    findings BIGINT NOT NULL,
    worst_severity TEXT,
    final_answer BYTEA,
    final_answer_span_id BYTEA,
    degraded TEXT NOT NULL
);

CREATE TABLE model_calls (
    trace_id BYTEA NOT NULL,
    idx BIGINT NOT NULL,
    span_id BYTEA,
    name BYTEA NOT NULL,
    model BYTEA,
    start_unix_nano BIGINT,
    end_unix_nano BIGINT,
    finish_reason BYTEA,
    output_text BYTEA,
    PRIMARY KEY (trace_id, idx)
);

CREATE TABLE batches (
    trace_id BYTEA NOT NULL,
    idx BIGINT NOT NULL,
    batch_id BYTEA NOT NULL,
    emitted_by BIGINT,
    calls BIGINT NOT NULL,
    PRIMARY KEY (trace_id, idx)
);

CREATE TABLE tool_calls (
    trace_id BYTEA NOT NULL,
    idx BIGINT NOT NULL,
    call_id BYTEA,
    name BYTEA NOT NULL,
    arguments TEXT,
    result TEXT,
    error BYTEA,
    status TEXT NOT NULL,
    emitted_by BIGINT,
    batch_idx BIGINT,
    span_id BYTEA,
    start_unix_nano BIGINT,
    end_unix_nano BIGINT,
    matched_by TEXT NOT NULL,
    convention TEXT NOT NULL,
    PRIMARY KEY (trace_id, idx)
);

CREATE TABLE findings (
    trace_id BYTEA NOT NULL,
    idx BIGINT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    resource BYTEA NOT NULL,
    batch_idx BIGINT NOT NULL,
    call_idxs TEXT NOT NULL,
    explanation BYTEA NOT NULL,
    PRIMARY KEY (trace_id, idx)
);
