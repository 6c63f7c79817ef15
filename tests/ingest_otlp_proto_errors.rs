//! OTLP protobuf ingest, bad input: wrong or all-zero ids, truncated and garbled bytes and
//! garbage each give one error naming file, byte offset and field; nothing panics.

#[path = "support/otlp_proto.rs"]
mod support;

use fanout::ingest::otlp_proto::looks_like_otlp_proto;
use fanout::ingest::{Location, OnInvalid, ReadError, VecSink};
use opentelemetry_proto::tonic::trace::v1::span;
use prost::Message;
use support::{fixtures, framed, offset_of, pspan, read_bytes, request, sorted, TRACE};

#[test]
fn a_wrong_length_span_id_names_file_offset_and_field() {
    let mut bad = pspan(TRACE, 3, "bad");
    bad.span_id = vec![1, 2, 3, 4, 5, 6, 7];
    let spans = vec![pspan(TRACE, 1, "a"), pspan(TRACE, 2, "b"), bad.clone()];
    let bytes = request(spans).encode_to_vec();
    let Err(ReadError::Invalid(e)) = read_bytes("ids.pb", &bytes, OnInvalid::Fail) else {
        panic!("expected an ingest error")
    };
    assert_eq!(e.file, "ids.pb");
    assert_eq!(
        e.field.as_deref(),
        Some("resourceSpans[0].scopeSpans[0].spans[2].spanId")
    );
    assert_eq!(
        e.location,
        Location::Offset(offset_of(&bytes, &bad.encode_to_vec()))
    );
    assert!(
        e.message.contains("expected 8 bytes, got 7"),
        "{}",
        e.message
    );
    let text = e.to_string();
    assert!(
        text.starts_with("ids.pb at byte ") && text.contains("spans[2].spanId"),
        "{text}"
    );

    // Skipping keeps the good spans and reports the bad one.
    let sink = read_bytes("ids.pb", &bytes, OnInvalid::Skip).unwrap();
    assert_eq!(sink.spans.len(), 2);
    assert_eq!(sink.skipped.len(), 1);
}

#[test]
fn all_zero_and_short_trace_ids_and_bad_link_ids_are_rejected() {
    let mut zero = pspan(TRACE, 1, "z");
    zero.trace_id = vec![0; 16];
    let e = read_bytes(
        "z.pb",
        &request(vec![zero]).encode_to_vec(),
        OnInvalid::Fail,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("spans[0].traceId") && e.contains("all-zero"),
        "{e}"
    );

    let mut short = pspan(TRACE, 1, "s");
    short.parent_span_id = vec![1; 4];
    let e = read_bytes(
        "p.pb",
        &request(vec![short]).encode_to_vec(),
        OnInvalid::Fail,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("spans[0].parentSpanId") && e.contains("got 4"),
        "{e}"
    );

    let mut linked = pspan(TRACE, 1, "l");
    linked.links = vec![span::Link {
        trace_id: vec![1; 16],
        span_id: vec![],
        ..span::Link::default()
    }];
    let e = read_bytes(
        "l.pb",
        &request(vec![linked]).encode_to_vec(),
        OnInvalid::Fail,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("spans[0].links[0].spanId") && e.contains("missing"),
        "{e}"
    );
}

#[test]
fn truncated_protobuf_names_file_offset_and_the_span_that_breaks() {
    let spans = vec![pspan(TRACE, 1, "first"), pspan(TRACE, 2, "second")];
    let bytes = request(spans.clone()).encode_to_vec();
    // Cut inside the second span's name, then patch nothing: outer lengths now overrun.
    let cut = &bytes[..bytes.len() - 3];
    let Err(ReadError::Invalid(e)) = read_bytes("cut.pb", cut, OnInvalid::Fail) else {
        panic!("expected an ingest error")
    };
    assert_eq!(e.file, "cut.pb");
    assert!(matches!(e.location, Location::Offset(_)), "{e}");
    assert!(e.field.is_some(), "{e}");
    assert!(e.message.contains("not a valid OTLP protobuf"), "{e}");

    // A span whose own bytes are broken (bad UTF-8 in its name) is pinpointed.
    let mut broken = pspan(TRACE, 2, "BROKENNAME");
    broken.name = "BROKENNAME".into();
    let good = request(vec![pspan(TRACE, 1, "first"), broken.clone()]).encode_to_vec();
    let at = offset_of(&good, &broken.encode_to_vec());
    let mut bad = good.clone();
    let name_at = offset_of(&good, b"BROKENNAME") as usize;
    bad[name_at] = 0xff;
    let Err(ReadError::Invalid(e)) = read_bytes("utf8.pb", &bad, OnInvalid::Fail) else {
        panic!("expected an ingest error")
    };
    assert_eq!(
        e.field.as_deref(),
        Some("resourceSpans[0].scopeSpans[0].spans[1]"),
        "{e}"
    );
    assert_eq!(e.location, Location::Offset(at));
    assert!(e.message.contains("Span.name"), "{e}");
}

#[test]
fn garbage_is_an_error_naming_file_and_offset() {
    let garbage = b"\xff\xfe this is not protobuf \x00\x01\x02";
    let Err(ReadError::Invalid(e)) = read_bytes("junk.pb", garbage, OnInvalid::Fail) else {
        panic!("expected an ingest error")
    };
    assert_eq!(
        (e.file.as_str(), e.location),
        ("junk.pb", Location::Offset(0))
    );
    assert_eq!(e.field.as_deref(), Some("resourceSpans"));
    let text = e.to_string();
    assert!(
        text.starts_with("junk.pb at byte 0: resourceSpans: not a valid OTLP protobuf"),
        "{text}"
    );
    // Under Skip, an undecodable body is reported, not fatal.
    let sink = read_bytes("junk.pb", garbage, OnInvalid::Skip).unwrap();
    assert_eq!((sink.spans.len(), sink.skipped.len()), (0, 1));
}

#[test]
fn a_bad_record_in_a_length_prefixed_file_is_located_at_its_offset() {
    let good = request(vec![pspan(TRACE, 1, "a")]).encode_to_vec();
    let mut broken = request(vec![pspan(TRACE, 2, "b")]).encode_to_vec();
    let last = broken.len() - 1;
    broken[last] = 0xff; // last byte of the name: invalid UTF-8
    let file = framed(&[good.clone(), broken]);
    let Err(ReadError::Invalid(e)) = read_bytes("rec.pb", &file, OnInvalid::Fail) else {
        panic!("expected an ingest error")
    };
    let second_payload = (4 + good.len() + 4) as u64;
    assert!(
        matches!(e.location, Location::Offset(o) if o >= second_payload),
        "{e}"
    );
    let sink = read_bytes("rec.pb", &file, OnInvalid::Skip).unwrap();
    assert_eq!((sink.spans.len(), sink.skipped.len()), (1, 1));
}

#[test]
fn a_length_prefixed_file_cut_short_keeps_whole_records_and_names_the_cut() {
    let raw = std::fs::read(fixtures().join("openai_agents_lost_update.otlp.pb")).unwrap();
    let whole = read_bytes("w.pb", &raw, OnInvalid::Fail)
        .unwrap()
        .spans
        .len();
    let two = framed(&[raw.clone(), raw.clone()]);
    let cut = &two[..two.len() - 100];
    let second = (4 + raw.len()) as u64;
    let Err(ReadError::Invalid(e)) = read_bytes("cut.pb", cut, OnInvalid::Fail) else {
        panic!("expected an ingest error")
    };
    assert_eq!(
        (e.file.as_str(), e.location),
        ("cut.pb", Location::Offset(second))
    );
    assert!(e.message.contains("record 2 declares"), "{e}");
    let sink = read_bytes("cut.pb", cut, OnInvalid::Skip).unwrap();
    assert_eq!((sink.spans.len(), sink.skipped.len()), (whole, 1));
}

#[test]
fn no_prefix_or_garbling_of_a_real_file_panics() {
    let raw = std::fs::read(fixtures().join("openai_agents_lost_update.otlp.pb")).unwrap();
    let total = sorted(read_bytes("x.pb", &raw, OnInvalid::Fail).unwrap().spans).len();
    let mut errors = 0;
    for len in 0..raw.len() {
        match read_bytes("x.pb", &raw[..len], OnInvalid::Fail) {
            Ok(sink) => assert!(sink.spans.len() <= total),
            Err(e) => {
                errors += 1;
                assert!(e.to_string().starts_with("x.pb"), "{e}");
            }
        }
        let _ = read_bytes("x.pb", &raw[..len], OnInvalid::Skip);
    }
    assert!(
        errors > raw.len() / 2,
        "most truncations must be reported, got {errors}"
    );
    // Prefixes of a length-prefixed file: the second record cut anywhere.
    let two = framed(&[raw.clone(), raw.clone()]);
    for len in (raw.len() + 4)..two.len() {
        if let Err(e) = read_bytes("two.pb", &two[..len], OnInvalid::Skip) {
            assert!(e.to_string().starts_with("two.pb"), "{e}");
        }
    }
    // Deterministic garbling: flip bytes at many positions.
    let mut state = 0x2545_f491_u32;
    for _ in 0..2000 {
        let mut copy = raw.clone();
        for _ in 0..3 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let at = state as usize % copy.len();
            copy[at] ^= (state >> 8) as u8 | 1;
        }
        let _ = read_bytes("g.pb", &copy, OnInvalid::Fail);
        let _ = read_bytes("g.pb", &copy, OnInvalid::Skip);
        let _ = looks_like_otlp_proto(&copy);
    }
}

#[test]
fn nesting_past_the_limit_self_parents_and_different_duplicates_are_named() {
    use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, ArrayValue};
    let nest = |levels: usize| {
        let mut v = any_value::Value::IntValue(1);
        for _ in 1..levels {
            v = any_value::Value::ArrayValue(ArrayValue {
                values: vec![AnyValue { value: Some(v) }],
            });
        }
        v
    };
    // Deep but within the limit: kept intact.
    let mut ok = pspan(TRACE, 1, "ok");
    ok.attributes = vec![support::kv("deep", nest(fanout::limits::MAX_VALUE_DEPTH))];
    let sink = read_bytes("ok.pb", &request(vec![ok]).encode_to_vec(), OnInvalid::Fail).unwrap();
    assert_eq!(sink.spans[0].attr("deep").unwrap().depth(), 24);
    // One level more: refused, naming the attribute (prost's own limit stops far deeper ones).
    let mut deep = pspan(TRACE, 1, "deep");
    deep.attributes = vec![support::kv(
        "deep",
        nest(fanout::limits::MAX_VALUE_DEPTH + 1),
    )];
    let e = read_bytes(
        "d.pb",
        &request(vec![deep]).encode_to_vec(),
        OnInvalid::Fail,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("attributes['deep']") && e.contains("nested deeper than 24"),
        "{e}"
    );

    let mut own = pspan(TRACE, 1, "own");
    own.parent_span_id = own.span_id.clone();
    let e = read_bytes("p.pb", &request(vec![own]).encode_to_vec(), OnInvalid::Fail)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("parentSpanId") && e.contains("own parent"),
        "{e}"
    );

    let spans = vec![
        pspan(TRACE, 1, "a"),
        pspan(TRACE, 1, "a"),
        pspan(TRACE, 1, "b"),
    ];
    let bytes = request(spans).encode_to_vec();
    let e = read_bytes("dup.pb", &bytes, OnInvalid::Fail)
        .unwrap_err()
        .to_string();
    assert!(e.contains("spans[2]") && e.contains("first at byte"), "{e}");
    let sink = read_bytes("dup.pb", &bytes, OnInvalid::Skip).unwrap();
    assert_eq!(sink.skipped.len(), 1, "the different one is listed");
    assert!(
        sink.spans.iter().all(|s| s.name == "a"),
        "the first is kept"
    );
}

/// Reads `bytes` as an input would be read (format detected, framed records streamed).
fn read_streamed(name: &str, bytes: &[u8], on_invalid: OnInvalid) -> Result<VecSink, ReadError> {
    let mut sink = VecSink::default();
    fanout::ingest::read_any(name, bytes, None, on_invalid, &mut sink)?;
    Ok(sink)
}

#[test]
fn framed_files_streamed_one_record_at_a_time_read_as_when_read_whole() {
    let raw = std::fs::read(fixtures().join("openai_agents_lost_update.otlp.pb")).unwrap();
    let good = request(vec![pspan(TRACE, 1, "a")]).encode_to_vec();
    let mut broken = request(vec![pspan(TRACE, 2, "b")]).encode_to_vec();
    let last = broken.len() - 1;
    broken[last] = 0xff;
    let two = framed(&[raw.clone(), raw.clone()]);
    let files = [
        two.clone(),
        two[..two.len() - 100].to_vec(),
        two[..raw.len() + 6].to_vec(),
        framed(&[good, broken]),
    ];
    for (i, file) in files.iter().enumerate() {
        assert!(
            fanout::ingest::otlp_proto::stream::is_framed(file),
            "file {i}"
        );
        for on_invalid in [OnInvalid::Fail, OnInvalid::Skip] {
            let whole = read_bytes("f.pb", file, on_invalid);
            let streamed = read_streamed("f.pb", file, on_invalid);
            match (whole, streamed) {
                (Ok(w), Ok(s)) => {
                    assert_eq!(sorted(w.spans.clone()), sorted(s.spans.clone()), "file {i}");
                    let at = |v: &VecSink| {
                        v.skipped
                            .iter()
                            .map(|e| (e.location, e.message.clone()))
                            .collect::<Vec<_>>()
                    };
                    assert_eq!(at(&w), at(&s), "file {i}");
                }
                (Err(ReadError::Invalid(w)), Err(ReadError::Invalid(s))) => {
                    assert_eq!(
                        (w.location, &w.message),
                        (s.location, &s.message),
                        "file {i}"
                    )
                }
                (w, s) => panic!("file {i}: whole {w:?} but streamed {s:?}"),
            }
        }
    }
}

#[test]
fn a_framed_record_declaring_more_than_the_record_limit_is_refused_before_reading_it() {
    let good = request(vec![pspan(TRACE, 1, "a")]).encode_to_vec();
    let mut file = framed(std::slice::from_ref(&good));
    file.extend_from_slice(&0xF000_0000u32.to_be_bytes());
    file.extend_from_slice(&[0x0a; 16]);
    let Err(ReadError::Invalid(e)) = read_streamed("big.pb", &file, OnInvalid::Skip) else {
        panic!("expected the record to be refused")
    };
    assert_eq!(e.location, Location::Offset((4 + good.len()) as u64));
    assert!(
        e.message
            .contains("record 2 declares 4026531840 bytes, more than the 256 MiB"),
        "{e}"
    );
}
