//! Hostile and malformed input through the real `fanout` binary: absurd nesting, decompression
//! bombs, records of another format, duplicates and broken references. Every case ends in a clear
//! error naming where (or a listed skip), never a crash and never silent loss.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn fanout(db: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fanout"))
        .args(args)
        .arg("--db")
        .arg(db)
        .env_remove("FANOUT_DB")
        .env_remove("FANOUT_CATALOG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fanout");
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.unwrap_or_default().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// An OTLP/JSON line with one span whose attribute `deep` nests `levels` values.
fn nested_line(levels: usize, kind: &str) -> String {
    let span_id = if kind == "array" {
        "b7ad6b7169203331"
    } else {
        "c7ad6b7169203331"
    };
    let mut value = r#"{"intValue":"7"}"#.to_owned();
    for _ in 1..levels {
        value = match kind {
            "array" => format!(r#"{{"arrayValue":{{"values":[{value}]}}}}"#),
            _ => format!(r#"{{"kvlistValue":{{"values":[{{"key":"k","value":{value}}}]}}}}"#),
        };
    }
    format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"svc"}}}}]}},"scopeSpans":[{{"spans":[{{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"{span_id}","name":"tool","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{{"key":"deep","value":{value}}}]}}]}}]}}]}}"#
    )
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn assert_refused_naming_depth(out: &Output, what: &str) {
    let err = text(&out.stderr);
    assert!(
        out.status.code().is_some_and(|c| c != 0),
        "{what}: expected a clean failure, got {:?}: {err}",
        out.status
    );
    assert!(
        err.contains("nested deeper than 24 levels") && err.contains(":1: resourceSpans[0]"),
        "{what}: the error names the limit and where: {err}"
    );
}

#[test]
fn absurd_nesting_is_refused_by_every_entry_point_naming_where() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    for (levels, kind) in [(1750, "array"), (1350, "kvlist"), (100_000, "array")] {
        let line = nested_line(levels, kind);
        let plain = dir.path().join(format!("deep-{kind}-{levels}.jsonl"));
        std::fs::write(&plain, &line).unwrap();
        let packed = dir.path().join(format!("deep-{kind}-{levels}.jsonl.gz"));
        std::fs::write(&packed, gzip(line.as_bytes())).unwrap();
        let (p, g) = (plain.to_str().unwrap(), packed.to_str().unwrap());
        let what = format!("{kind} x{levels}");
        assert_refused_naming_depth(&fanout(&db, &["ingest", p], None), &what);
        assert_refused_naming_depth(&fanout(&db, &["ingest", g], None), &what);
        assert_refused_naming_depth(&fanout(&db, &["ingest", "-"], Some(line.as_bytes())), &what);
        assert_refused_naming_depth(&fanout(&db, &["audit", p], None), &what);
        let skip = fanout(&db, &["ingest", "--skip-invalid", p], None);
        let all = format!("{}{}", text(&skip.stdout), text(&skip.stderr));
        assert!(
            skip.status.code().is_some() && all.contains("nested deeper"),
            "{what} --skip-invalid lists the record: {all}"
        );
        // The same document pretty-printed over many lines (the whole-document path).
        let doc = line.replace("[{", "[\n{");
        std::fs::write(&plain, &doc).unwrap();
        let out = fanout(&db, &["ingest", p], None);
        assert!(
            out.status.code().is_some_and(|c| c != 0),
            "{what} as a document: {:?} {}",
            out.status,
            text(&out.stderr)
        );
    }
}

#[test]
fn deep_but_reasonable_values_are_stored_intact() {
    // Stored and read back the same on either store.
    common::stores::each_store("deep_but_reasonable_values_are_stored_intact", deep_values);
}

fn deep_values(db: &common::stores::TestDb) {
    let dir = &db.dir;
    let db = db.path();
    for kind in ["array", "kvlist"] {
        let line = nested_line(fanout::limits::MAX_VALUE_DEPTH, kind);
        let file = dir.path().join(format!("ok-{kind}.jsonl"));
        std::fs::write(&file, &line).unwrap();
        let out = fanout(db, &["ingest", file.to_str().unwrap()], None);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let spans = fanout::ingest::load_path(&file).unwrap();
        let store_spans = {
            let store = fanout::store::Store::open(db).unwrap();
            store.load_trace(spans[0].trace_id).unwrap().unwrap().spans
        };
        let stored = store_spans
            .iter()
            .find(|s| s.span_id == spans[0].span_id)
            .unwrap();
        assert_eq!(stored.attributes, spans[0].attributes, "{kind}");
        assert_eq!(spans[0].attr("deep").unwrap().depth(), 24);
        // The same record pretty-printed (the whole-document path) reads the same.
        let doc = line.replace("[{", "[\n{");
        std::fs::write(&file, &doc).unwrap();
        assert_eq!(fanout::ingest::load_path(&file).unwrap(), spans, "{kind}");
    }
}

/// Runs `fanout ARGS --db DB` with its address space capped at `kib` KiB: an attempt to
/// allocate past the documented limits fails the allocation (an abort, not an exit code).
fn fanout_capped(db: &Path, args: &[&str], kib: u64) -> Output {
    let mut cmd = String::from("ulimit -v ");
    cmd.push_str(&kib.to_string());
    cmd.push_str("; exec \"$0\" \"$@\"");
    Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .arg(env!("CARGO_BIN_EXE_fanout"))
        .args(args)
        .arg("--db")
        .arg(db)
        .env_remove("FANOUT_DB")
        .env("NO_COLOR", "1")
        .output()
        .expect("run fanout under ulimit")
}

/// `head` then `members` copies of `fill` (each a separate gzip member of 64 MiB): a file of a
/// few hundred KB that inflates to `members` × 64 MiB.
fn gzip_bomb(head: &[u8], fill: u8, members: usize) -> Vec<u8> {
    let member = gzip(&vec![fill; 64 << 20]);
    let mut bomb = gzip(head);
    for _ in 0..members {
        bomb.extend_from_slice(&member);
    }
    bomb
}

#[test]
fn decompression_bombs_are_refused_within_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    // 3 GiB of spaces after a JSON opening.
    let json_bomb = dir.path().join("bomb.json.gz");
    std::fs::write(&json_bomb, gzip_bomb(b"{\"resourceSpans\":", b' ', 48)).unwrap();
    // A valid protobuf request, then 3 GiB of zeros.
    let proto = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/corpus/protobuf/pydantic_ai_lost_update.otlp.pb"),
    )
    .unwrap();
    let proto_bomb = dir.path().join("bomb.pb.gz");
    std::fs::write(&proto_bomb, gzip_bomb(&proto, 0, 48)).unwrap();
    for bomb in [&json_bomb, &proto_bomb] {
        // 1.5 GiB of address space: far below what buffering the input would take.
        let out = fanout_capped(&db, &["ingest", bomb.to_str().unwrap()], 1_500_000);
        let err = text(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: refused cleanly: {:?} {err}",
            bomb.display(),
            out.status
        );
        assert!(err.contains("larger than 256 MiB"), "{err}");
    }
}

/// A line of `tests/fixtures/corpus`-style OTLP/JSON with one span.
fn span_line(span_id: &str, parent: &str, name: &str) -> String {
    format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"svc"}}}}]}},"scopeSpans":[{{"spans":[{{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"{span_id}","parentSpanId":"{parent}","name":"{name}","startTimeUnixNano":"1","endTimeUnixNano":"2"}}]}}]}}]}}"#
    )
}

fn ingest_text(dir: &Path, name: &str, content: &str, extra: &[&str]) -> Output {
    let file = dir.join(name);
    std::fs::write(&file, content).unwrap();
    let mut args = vec!["ingest"];
    args.extend_from_slice(extra);
    let f = file.to_str().unwrap().to_owned();
    args.push(&f);
    fanout(&dir.join("f.db"), &args, None)
}

#[test]
fn a_record_of_another_format_is_an_error_naming_its_line_never_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let chat = r#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"#;
    let content = format!("{}\n{chat}\n", span_line("b7ad6b7169203331", "", "root"));
    let out = ingest_text(dir.path(), "mixed.jsonl", &content, &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("mixed.jsonl:2") && err.contains("neither resourceSpans nor resourceLogs"),
        "{err}"
    );
    let out = ingest_text(dir.path(), "mixed.jsonl", &content, &["--skip-invalid"]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(3), "a listed skip: {all}");
    assert!(all.contains("mixed.jsonl:2"), "{all}");
}

#[test]
fn two_different_spans_under_one_id_name_both_lines() {
    let dir = tempfile::tempdir().unwrap();
    let same = span_line("b7ad6b7169203331", "", "root");
    // An identical repeat (an exporter retrying) is fine.
    let out = ingest_text(dir.path(), "again.jsonl", &format!("{same}\n{same}\n"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let other = span_line("b7ad6b7169203331", "", "other");
    let content = format!("{same}\n\n{other}\n");
    let out = ingest_text(dir.path(), "dup.jsonl", &content, &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("dup.jsonl:3") && err.contains("first at line 1"),
        "{err}"
    );
    let out = ingest_text(dir.path(), "dup.jsonl", &content, &["--skip-invalid"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
}

#[test]
fn a_span_that_is_its_own_parent_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let line = span_line("b7ad6b7169203331", "b7ad6b7169203331", "loop");
    let out = ingest_text(dir.path(), "self.jsonl", &line, &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("self.jsonl:1") && err.contains("parentSpanId") && err.contains("own parent"),
        "{err}"
    );
}

#[test]
fn a_line_cut_inside_a_string_is_reported_at_that_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = span_line("b7ad6b7169203331", "", "root");
    let cut = &span_line("c7ad6b7169203331", "", "child")[..120];
    for (content, line) in [
        (format!("{good}\n{cut}\n{good}\n"), 2),
        (format!("{cut}\n{good}\n"), 1),
    ] {
        let out = ingest_text(dir.path(), "cut.jsonl", &content, &[]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!("cut.jsonl:{line}:")),
            "line {line}: {err}"
        );
    }
}

#[test]
fn content_decides_over_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let line = span_line("b7ad6b7169203331", "", "root");
    let out = ingest_text(dir.path(), "really-json.pb", &line, &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("\"otlp-json\""),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn transcript_results_must_answer_an_earlier_call() {
    let dir = tempfile::tempdir().unwrap();
    let call = r#"{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]}"#;
    let result = |id: &str| format!(r#"{{"role":"tool","tool_call_id":"{id}","content":"ok"}}"#);
    let user = r#"{"role":"user","content":"go"}"#;
    for (content, id, line) in [
        // A result for an id nothing emitted.
        (
            format!("{user}\n{call}\n{}\n", result("call_9")),
            "call_9",
            3,
        ),
        // A result before its call.
        (
            format!("{user}\n{}\n{call}\n", result("call_1")),
            "call_1",
            2,
        ),
    ] {
        let out = ingest_text(
            dir.path(),
            "chat.jsonl",
            &content,
            &["--format", "openai-chat"],
        );
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!("chat.jsonl:{line}")) && err.contains(&format!("'{id}'")),
            "{err}"
        );
    }
    let ok = format!("{user}\n{call}\n{}\n", result("call_1"));
    let out = ingest_text(dir.path(), "chat.jsonl", &ok, &["--format", "openai-chat"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn exports_carry_no_live_control_bidi_or_invisible_characters() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let sample = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-traces/lost_update.otlp.json"),
    )
    .unwrap();
    // JSON escapes written in the trace: C1 CSI, a bidi override, a line separator, a tag char.
    let hostile = r#"deposit\u009b31m\u202egnp.exe\u2028\udb40\udc41"#;
    let file = dir.path().join("hostile.otlp.json");
    // ... in the tool's name everywhere: attribute values and the JSON inside message strings.
    let inner = hostile.replace('\\', "\\\\");
    let text_in = sample
        .replace("\\\"deposit\\\"", &format!("\\\"{inner}\\\""))
        .replace("\"deposit\"", &format!("\"{hostile}\""));
    std::fs::write(&file, text_in).unwrap();
    let out = fanout(&db, &["ingest", file.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let list = fanout(&db, &["list", "--json"], None);
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let id = rows[0]["trace_id"].as_str().unwrap().to_owned();
    let live = |s: &str| {
        s.chars().any(|c| {
            ('\u{80}'..='\u{9f}').contains(&c)
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{e0000}'..='\u{e007f}')
        })
    };
    for format in ["json", "perfetto", "md"] {
        let out = fanout(&db, &["export", &id, "--format", format], None);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let s = text(&out.stdout);
        assert!(s.contains("deposit"), "{format}: the tool is there");
        if format != "md" {
            assert!(s.contains("\\u202e"), "{format}: kept, escaped: {s}");
        }
        assert!(!live(&s), "{format}: {s}");
    }
    for format in ["json", "sarif"] {
        let out = fanout(&db, &["audit", "--format", format], None);
        let s = text(&out.stdout);
        assert!(!live(&s), "{format}: {s}");
    }
    // The -o path is echoed sanitized.
    let path = dir.path().join("out\u{1b}]0;pwned\u{7}.json");
    let out = fanout(
        &db,
        &[
            "export",
            &id,
            "--format",
            "json",
            "-o",
            path.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("wrote") && !err.contains('\u{1b}'), "{err:?}");
}
