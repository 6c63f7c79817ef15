//! OTLP protobuf log records (`ExportLogsServiceRequest`, as OTLP/HTTP and gRPC receivers get
//! them) into [`LogRecord`]s, field for field as the OTLP/JSON reader converts them: records
//! with no trace id are left out (they belong to no agent run), bad ids are reported per record.

use std::sync::Arc;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::logs::v1 as pl;

use super::{any_value, attributes};
use crate::model::{AnyValue, LogRecord, Resource, Scope, SpanId, TraceId};

/// The records of `request` tied to a trace, and a message for each record that was rejected.
pub fn convert_logs(request: &ExportLogsServiceRequest) -> (Vec<LogRecord>, Vec<String>) {
    let mut out = Vec::new();
    let mut rejected = Vec::new();
    for (ri, rl) in request.resource_logs.iter().enumerate() {
        let r = rl.resource.as_ref();
        let resource = Arc::new(Resource {
            attributes: r.map(|r| attributes(&r.attributes)).unwrap_or_default(),
            dropped_attributes_count: r.map_or(0, |r| r.dropped_attributes_count),
            schema_url: rl.schema_url.clone(),
        });
        for (si, sl) in rl.scope_logs.iter().enumerate() {
            let s = sl.scope.as_ref();
            let scope = Arc::new(Scope {
                name: s.map(|s| s.name.clone()).unwrap_or_default(),
                version: s.map(|s| s.version.clone()).unwrap_or_default(),
                attributes: s.map(|s| attributes(&s.attributes)).unwrap_or_default(),
                dropped_attributes_count: s.map_or(0, |s| s.dropped_attributes_count),
                schema_url: sl.schema_url.clone(),
            });
            for (li, lr) in sl.log_records.iter().enumerate() {
                match convert_record(lr, &resource, &scope) {
                    Ok(Some(record)) => out.push(record),
                    Ok(None) => {}
                    Err((field, message)) => rejected.push(format!(
                        "resourceLogs[{ri}].scopeLogs[{si}].logRecords[{li}].{field}: {message}"
                    )),
                }
            }
        }
    }
    (out, rejected)
}

fn convert_record(
    lr: &pl::LogRecord,
    resource: &Arc<Resource>,
    scope: &Arc<Scope>,
) -> Result<Option<LogRecord>, (&'static str, String)> {
    if lr.trace_id.iter().all(|b| *b == 0) {
        return Ok(None);
    }
    let trace_id = TraceId::from_bytes(&lr.trace_id).ok_or((
        "traceId",
        format!("expected 16 bytes, got {}", lr.trace_id.len()),
    ))?;
    let span_id = match lr.span_id.as_slice() {
        s if s.iter().all(|b| *b == 0) => None,
        s => Some(
            SpanId::from_bytes(s)
                .ok_or(("spanId", format!("expected 8 bytes, got {}", s.len())))?,
        ),
    };
    Ok(Some(LogRecord {
        trace_id,
        span_id,
        time_unix_nano: lr.time_unix_nano,
        observed_time_unix_nano: lr.observed_time_unix_nano,
        severity_number: lr.severity_number,
        severity_text: lr.severity_text.clone(),
        event_name: lr.event_name.clone(),
        body: lr.body.as_ref().map_or(AnyValue::Empty, any_value),
        attributes: attributes(&lr.attributes),
        dropped_attributes_count: lr.dropped_attributes_count,
        flags: lr.flags,
        resource: Arc::clone(resource),
        scope: Arc::clone(scope),
    }))
}
