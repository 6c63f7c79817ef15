//! Builders shared by the OTLP protobuf tests: small requests built with the prost messages,
//! length-prefixed framing, and reading bytes into a [`VecSink`].
#![allow(dead_code)]

use std::path::PathBuf;

use fanout::ingest::otlp_proto;
use fanout::ingest::{OnInvalid, ReadError, VecSink};
use fanout::model::Span;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue as PAny, InstrumentationScope, KeyValue as PKv,
};
use opentelemetry_proto::tonic::resource::v1::Resource as PResource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span as PSpan};

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus/protobuf")
}

pub fn read_bytes(name: &str, bytes: &[u8], on_invalid: OnInvalid) -> Result<VecSink, ReadError> {
    let mut sink = VecSink::default();
    otlp_proto::read(name, bytes, on_invalid, &mut sink)?;
    Ok(sink)
}

pub fn sorted(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_by_key(|s| (s.trace_id, s.span_id));
    spans
}

pub fn kv(key: &str, value: any_value::Value) -> PKv {
    PKv {
        key: key.into(),
        value: Some(PAny { value: Some(value) }),
        ..PKv::default()
    }
}

pub fn pspan(trace: [u8; 16], id: u8, name: &str) -> PSpan {
    PSpan {
        trace_id: trace.to_vec(),
        span_id: vec![0, 0, 0, 0, 0, 0, 0, id],
        name: name.into(),
        start_time_unix_nano: 10,
        end_time_unix_nano: 20,
        ..PSpan::default()
    }
}

pub const TRACE: [u8; 16] = [0xab; 16];

pub fn request(spans: Vec<PSpan>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(PResource {
                attributes: vec![kv(
                    "service.name",
                    any_value::Value::StringValue("svc".into()),
                )],
                dropped_attributes_count: 2,
                ..PResource::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "lib".into(),
                    version: "1.2".into(),
                    attributes: vec![kv("scope.attr", any_value::Value::BoolValue(true))],
                    dropped_attributes_count: 1,
                }),
                spans,
                schema_url: "https://scope".into(),
            }],
            schema_url: "https://resource".into(),
        }],
    }
}

pub fn framed(records: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        out.extend_from_slice(&(r.len() as u32).to_be_bytes());
        out.extend_from_slice(r);
    }
    out
}

pub fn offset_of(haystack: &[u8], needle: &[u8]) -> u64 {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("span bytes present") as u64
}
