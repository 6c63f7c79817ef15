//! OTLP protobuf ingest: corpus files read with the manifests' trace ids and span counts and give
//! the same spans as their OTLP/JSON twins; length-prefixed and concatenated layouts; every field
//! converted; detection; gzip.

mod common;
#[path = "support/otlp_proto.rs"]
mod support;

use std::io::Write;
use std::path::{Path, PathBuf};

use fanout::ingest::otlp_proto::{self, looks_like_otlp_proto};
use fanout::ingest::{read_any, Format, OnInvalid, VecSink};
use fanout::model::{AnyValue, SpanKind, StatusCode};
use opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue as PAny, ArrayValue, KeyValue as PKv, KeyValueList,
};
use opentelemetry_proto::tonic::trace::v1::{span, Status};
use prost::Message;
use support::{fixtures, framed, kv, pspan, read_bytes, request, sorted, TRACE};

struct Expected {
    pb: PathBuf,
    json: PathBuf,
    trace_id: String,
    spans: usize,
}

fn expectations() -> Vec<Expected> {
    let text = std::fs::read_to_string(fixtures().join("expectations.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["traces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| Expected {
            pb: fixtures().join(t["pb"].as_str().unwrap()),
            json: fixtures().join(t["json"].as_str().unwrap()),
            trace_id: t["trace_id"].as_str().unwrap().to_owned(),
            spans: t["spans"].as_u64().unwrap() as usize,
        })
        .collect()
}

/// Protobuf and JSON twins of one run must give identical spans, field for field.
fn assert_twins(pb: &Path, json: &Path) {
    let from_pb = sorted(fanout::ingest::load_path(pb).unwrap_or_else(|e| panic!("{e}")));
    let from_json = sorted(fanout::ingest::load_path(json).unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(from_pb.len(), from_json.len(), "{}", pb.display());
    for (a, b) in from_pb.iter().zip(&from_json) {
        assert_eq!(
            a,
            b,
            "{}: span {} differs between protobuf and JSON",
            pb.display(),
            a.span_id
        );
    }
}

#[test]
fn fixture_protobuf_files_match_the_manifest_and_their_json_twins() {
    for e in expectations() {
        let mut sink = VecSink::default();
        let file = std::fs::File::open(&e.pb).unwrap();
        let (format, stats) = read_any(
            &e.pb.display().to_string(),
            file,
            None,
            OnInvalid::Fail,
            &mut sink,
        )
        .unwrap();
        assert_eq!(format, Format::OtlpProto, "{}", e.pb.display());
        assert_eq!(stats.spans, e.spans);
        assert_eq!(sink.spans.len(), e.spans, "{}", e.pb.display());
        assert!(
            sink.spans.iter().all(|s| s.trace_id.to_hex() == e.trace_id),
            "{}",
            e.pb.display()
        );
        assert_twins(&e.pb, &e.json);
    }
}

#[test]
fn every_corpus_protobuf_file_matches_its_manifest_and_json_twin() {
    let Some(root) = common::corpus_dir() else {
        return common::skip_without_corpus("every_corpus_protobuf_file_matches");
    };
    let files: Vec<_> = common::corpus_files(&root)
        .into_iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "pb"))
        // node/manifest.json names .pb twins of some runs that the corpus does not ship.
        .filter(|f| f.path.exists())
        .collect();
    assert!(
        files.len() >= 15,
        "expected the whole corpus, found {} .pb files",
        files.len()
    );
    for f in files {
        let spans = fanout::ingest::load_path(&f.path).unwrap_or_else(|e| panic!("{}: {e}", f.id));
        assert_eq!(spans.len(), f.span_count, "{}", f.id);
        assert!(
            spans.iter().all(|s| s.trace_id.to_hex() == f.trace_id),
            "{}",
            f.id
        );
        let twin = f.path.with_extension("jsonl");
        if twin.exists() {
            assert_twins(&f.path, &twin);
        }
    }
}

#[test]
fn every_field_is_converted() {
    use any_value::Value as V;
    let mut s = pspan(TRACE, 2, "chat m");
    s.parent_span_id = vec![0, 0, 0, 0, 0, 0, 0, 1];
    s.trace_state = "k=v".into();
    s.flags = 0x301;
    s.kind = 3;
    s.dropped_attributes_count = 4;
    s.dropped_events_count = 5;
    s.dropped_links_count = 6;
    s.status = Some(Status {
        message: "bad".into(),
        code: 2,
    });
    s.attributes = vec![
        kv("s", V::StringValue("x".into())),
        kv("b", V::BoolValue(false)),
        kv("i", V::IntValue(-7)),
        kv("d", V::DoubleValue(1.5)),
        kv("bytes", V::BytesValue(vec![0, 255])),
        kv(
            "arr",
            V::ArrayValue(ArrayValue {
                values: vec![
                    PAny {
                        value: Some(V::IntValue(1)),
                    },
                    PAny { value: None },
                ],
            }),
        ),
        kv(
            "kv",
            V::KvlistValue(KeyValueList {
                values: vec![kv("inner", V::StringValue("y".into()))],
            }),
        ),
        kv("strindex", V::StringValueStrindex(3)),
        PKv {
            key: "none".into(),
            value: None,
            ..PKv::default()
        },
    ];
    s.events = vec![span::Event {
        time_unix_nano: 15,
        name: "ev".into(),
        attributes: vec![kv("e", V::IntValue(1))],
        dropped_attributes_count: 7,
    }];
    s.links = vec![span::Link {
        trace_id: vec![0xcd; 16],
        span_id: vec![9; 8],
        trace_state: "l=1".into(),
        attributes: vec![kv("l", V::StringValue("z".into()))],
        dropped_attributes_count: 8,
        flags: 1,
    }];
    let sink = read_bytes("all.pb", &request(vec![s]).encode_to_vec(), OnInvalid::Fail).unwrap();
    let [span] = sink.spans.as_slice() else {
        panic!("one span expected")
    };
    assert_eq!(span.trace_id.to_hex(), "ab".repeat(16));
    assert_eq!(span.span_id.to_hex(), "0000000000000002");
    assert_eq!(
        span.parent_span_id.map(|p| p.to_hex()).as_deref(),
        Some("0000000000000001")
    );
    assert_eq!(
        (span.trace_state.as_str(), span.flags, span.kind),
        ("k=v", 0x301, SpanKind::Client)
    );
    assert_eq!((span.start_unix_nano, span.end_unix_nano), (10, 20));
    assert_eq!(
        (
            span.dropped_attributes_count,
            span.dropped_events_count,
            span.dropped_links_count
        ),
        (4, 5, 6)
    );
    assert_eq!(
        (span.status.code, span.status.message.as_str()),
        (StatusCode::Error, "bad")
    );
    let want = [
        ("s", AnyValue::String("x".into())),
        ("b", AnyValue::Bool(false)),
        ("i", AnyValue::Int(-7)),
        ("d", AnyValue::Double(1.5)),
        ("bytes", AnyValue::Bytes(vec![0, 255])),
        (
            "arr",
            AnyValue::Array(vec![AnyValue::Int(1), AnyValue::Empty]),
        ),
        (
            "kv",
            AnyValue::KvList(vec![fanout::model::KeyValue::new(
                "inner",
                AnyValue::String("y".into()),
            )]),
        ),
        ("strindex", AnyValue::Empty),
        ("none", AnyValue::Empty),
    ];
    for (key, value) in want {
        assert_eq!(span.attr(key), Some(&value), "{key}");
    }
    let ev = &span.events[0];
    assert_eq!(
        (
            ev.time_unix_nano,
            ev.name.as_str(),
            ev.dropped_attributes_count
        ),
        (15, "ev", 7)
    );
    let link = &span.links[0];
    assert_eq!(link.trace_id.to_hex(), "cd".repeat(16));
    assert_eq!(
        (
            link.trace_state.as_str(),
            link.dropped_attributes_count,
            link.flags
        ),
        ("l=1", 8, 1)
    );
    assert_eq!(span.resource.service_name(), Some("svc"));
    assert_eq!(
        (
            span.resource.dropped_attributes_count,
            span.resource.schema_url.as_str()
        ),
        (2, "https://resource")
    );
    assert_eq!(
        (span.scope.name.as_str(), span.scope.version.as_str()),
        ("lib", "1.2")
    );
    assert_eq!(
        (
            span.scope.dropped_attributes_count,
            span.scope.schema_url.as_str()
        ),
        (1, "https://scope")
    );
    assert_eq!(span.scope.attributes.len(), 1);
}

#[test]
fn empty_or_all_zero_parent_means_root() {
    let mut a = pspan(TRACE, 1, "a");
    a.parent_span_id = vec![0; 8];
    let b = pspan(TRACE, 2, "b");
    let sink = read_bytes(
        "r.pb",
        &request(vec![a, b]).encode_to_vec(),
        OnInvalid::Fail,
    )
    .unwrap();
    assert!(sink.spans.iter().all(|s| s.parent_span_id.is_none()));
}

#[test]
fn length_prefixed_records_and_concatenated_bodies_read_alike() {
    let first = request(vec![pspan(TRACE, 1, "a"), pspan(TRACE, 2, "b")]).encode_to_vec();
    let second = request(vec![pspan(TRACE, 3, "c")]).encode_to_vec();
    let names = |sink: &VecSink| {
        sink.spans
            .iter()
            .map(|s| s.name.clone())
            .collect::<Vec<_>>()
    };

    let file = framed(&[first.clone(), second.clone()]);
    assert!(looks_like_otlp_proto(&file));
    let mut sink = VecSink::default();
    let stats = otlp_proto::read("f.pb", &file, OnInvalid::Fail, &mut sink).unwrap();
    assert_eq!(names(&sink), ["a", "b", "c"]);
    assert_eq!((stats.records, stats.spans), (2, 3));

    let concatenated = [first, second].concat();
    let mut sink = VecSink::default();
    let stats = otlp_proto::read("c.pb", &concatenated, OnInvalid::Fail, &mut sink).unwrap();
    assert_eq!(
        names(&sink),
        ["a", "b", "c"],
        "concatenated bodies decode as one merged request"
    );
    assert_eq!(stats.records, 1);

    // A real corpus body behind a length prefix reads as the raw body does.
    let raw = std::fs::read(fixtures().join("pydantic_ai_lost_update.otlp.pb")).unwrap();
    let plain = sorted(read_bytes("p.pb", &raw, OnInvalid::Fail).unwrap().spans);
    let boxed = sorted(
        read_bytes("p.pb", &framed(&[raw.clone(), raw]), OnInvalid::Fail)
            .unwrap()
            .spans,
    );
    assert_eq!(boxed.len(), plain.len() * 2);
    assert_eq!(boxed.iter().step_by(2).cloned().collect::<Vec<_>>(), plain);
}

#[test]
fn varint_delimited_streams_read_record_by_record() {
    let first = request(vec![pspan(TRACE, 1, "a")]);
    let second = request(vec![pspan(TRACE, 2, "b"), pspan(TRACE, 3, "c")]);
    let mut file = first.encode_length_delimited_to_vec();
    file.extend(second.encode_length_delimited_to_vec());
    assert!(looks_like_otlp_proto(&file));
    let mut sink = VecSink::default();
    let stats = otlp_proto::read("d.pb", &file, OnInvalid::Fail, &mut sink).unwrap();
    let names: Vec<_> = sink.spans.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(stats.records, 2);
}

#[test]
fn detection_recognises_protobuf_and_nothing_else() {
    let raw = std::fs::read(fixtures().join("pydantic_ai_lost_update.otlp.pb")).unwrap();
    assert!(looks_like_otlp_proto(&raw));
    assert!(
        looks_like_otlp_proto(&raw[..100]),
        "a head of the file is enough"
    );
    assert!(looks_like_otlp_proto(&framed(std::slice::from_ref(&raw))));
    let json = std::fs::read(fixtures().join("pydantic_ai_lost_update.otlp.jsonl")).unwrap();
    for not in [
        &json[..],
        b"",
        b"\n\n\n\n\n\n",
        b"[{\"role\":\"user\"}]",
        b"\n{\"resourceSpans\":[]}",
    ] {
        assert!(
            !looks_like_otlp_proto(not),
            "{:?}",
            String::from_utf8_lossy(not)
        );
    }
    assert_eq!(
        fanout::ingest::detect(&raw[..64], "no-extension"),
        Ok(Format::OtlpProto)
    );
}

#[test]
fn gzipped_protobuf_reads_like_the_plain_file() {
    let raw = std::fs::read(fixtures().join("aisdk7_semconv_lost_update.otlp.pb")).unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&raw).unwrap();
    let packed = enc.finish().unwrap();
    let mut sink = VecSink::default();
    let (format, _) = read_any(
        "trace.otlp.pb.gz",
        &packed[..],
        None,
        OnInvalid::Fail,
        &mut sink,
    )
    .unwrap();
    assert_eq!(format, Format::OtlpProto);
    let plain = read_bytes("trace.otlp.pb", &raw, OnInvalid::Fail).unwrap();
    assert_eq!(sorted(sink.spans), sorted(plain.spans));
}
