-- OTLP log records tied to traces (GenAI message content of semantic conventions v1.28-v1.36,
-- and `gen_ai.client.inference.operation.details`). Records have no id of their own: `digest`
-- (BLAKE3 of the record's content) makes re-ingesting idempotent.
CREATE TABLE logs (
    id INTEGER PRIMARY KEY,
    digest BLOB NOT NULL UNIQUE,
    trace_id BLOB NOT NULL,
    span_id BLOB,
    time_unix_nano INTEGER NOT NULL,
    observed_time_unix_nano INTEGER NOT NULL,
    severity_number INTEGER NOT NULL,
    severity_text TEXT NOT NULL,
    event_name TEXT NOT NULL,
    body BLOB NOT NULL,                     -- one attribute named "body", in the attributes encoding
    attributes BLOB NOT NULL,
    dropped_attributes_count INTEGER NOT NULL,
    flags INTEGER NOT NULL,
    resource_id INTEGER NOT NULL REFERENCES resources(id),
    scope_id INTEGER NOT NULL REFERENCES scopes(id)
);

CREATE INDEX logs_by_trace ON logs (trace_id);
