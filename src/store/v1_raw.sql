-- Raw spans exactly as received. Ids are stored as their bytes; times as integer nanoseconds;
-- attributes, events and links as OTLP/JSON text (typed values survive).
CREATE TABLE resources (
    id INTEGER PRIMARY KEY,
    content TEXT NOT NULL UNIQUE,           -- canonical JSON of the whole resource
    attributes TEXT NOT NULL,
    dropped_attributes_count INTEGER NOT NULL,
    schema_url TEXT NOT NULL
);

CREATE TABLE scopes (
    id INTEGER PRIMARY KEY,
    content TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    attributes TEXT NOT NULL,
    dropped_attributes_count INTEGER NOT NULL,
    schema_url TEXT NOT NULL
);

CREATE TABLE spans (
    trace_id BLOB NOT NULL,
    span_id BLOB NOT NULL,
    parent_span_id BLOB,
    name TEXT NOT NULL,
    kind INTEGER NOT NULL,
    start_unix_nano INTEGER NOT NULL,
    end_unix_nano INTEGER NOT NULL,
    trace_state TEXT NOT NULL,
    flags INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    status_message TEXT NOT NULL,
    attributes TEXT NOT NULL,
    dropped_attributes_count INTEGER NOT NULL,
    events TEXT NOT NULL,
    dropped_events_count INTEGER NOT NULL,
    links TEXT NOT NULL,
    dropped_links_count INTEGER NOT NULL,
    resource_id INTEGER NOT NULL REFERENCES resources(id),
    scope_id INTEGER NOT NULL REFERENCES scopes(id),
    UNIQUE (trace_id, span_id)
);

-- Every input ever ingested, by content digest: re-ingesting the same bytes changes nothing.
CREATE TABLE sources (
    digest BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    format TEXT NOT NULL,
    spans INTEGER NOT NULL
);
