//! Hand-written OTLP/JSON fixtures, one or more per convention, each exercising the ways real
//! instrumentation goes wrong: ids hidden in JSON or padded with spaces, model spans with no
//! output, mis-parented siblings (nested, chained, under the wrong span), duplicate tool names
//! in one batch, calls never executed, executed spans nobody emitted, older event forms, and
//! transcripts without timing.

use std::path::PathBuf;

use fanout::model::{CallStatus, Convention, MatchEvidence, Run, Timing, ToolCall, Trace};

fn run(name: &str) -> Run {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/conventions")
        .join(name);
    let spans = fanout::ingest::load_path(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let trace = Trace::new(spans[0].trace_id, spans);
    fanout::normalize::normalize(&trace)
}

/// Call ids of each batch, in order.
fn batch_ids(run: &Run) -> Vec<Vec<String>> {
    run.batches
        .iter()
        .map(|b| {
            b.calls
                .iter()
                .map(|&c| run.tool_calls[c].display_id())
                .collect()
        })
        .collect()
}

fn call<'a>(run: &'a Run, id: &str) -> &'a ToolCall {
    run.tool_calls
        .iter()
        .find(|c| c.call_id.as_deref() == Some(id))
        .unwrap_or_else(|| panic!("no call {id}"))
}

fn span_hex(c: &ToolCall) -> String {
    c.span_id.map(|s| s.to_hex()).unwrap_or_default()
}

fn degraded(run: &Run, code: &str) -> bool {
    run.degraded.iter().any(|d| d.code == code)
}

#[test]
fn genai_mis_parented_siblings_duplicates_unexecuted_and_orphan() {
    let r = run("genai_misparented.otlp.json");
    assert_eq!(r.conventions, vec![Convention::GenAi]);
    assert_eq!(
        batch_ids(&r),
        vec![
            vec!["call_a", "call_b", "call_c", "call_d"],
            vec!["call_zzz"]
        ]
    );
    let b1 = &r.batches[0];
    assert_eq!((b1.id.as_str(), b1.emitted_by), ("b1", Some(0)));
    assert_eq!(
        r.model_calls[0].span_id.unwrap().to_hex(),
        "a000000000000002"
    );
    // Nested inside its sibling, id padded with spaces: still matched by id.
    let a = call(&r, "call_a");
    assert_eq!(
        (span_hex(a).as_str(), a.matched_by),
        ("a000000000000004", MatchEvidence::CallId)
    );
    assert_eq!(a.result, Some(serde_json::json!("A")));
    // Chained under call_a, no id, same tool name as call_a: matched by canonical arguments.
    let c = call(&r, "call_c");
    assert_eq!(
        (span_hex(c).as_str(), c.matched_by),
        ("a000000000000005", MatchEvidence::NameAndArguments)
    );
    // Its result was not on the span: taken from the next model call's input.
    assert_eq!(c.result, Some(serde_json::json!("C")));
    // call_b's parent span was never exported (orphaned): irrelevant to the match.
    assert_eq!(
        call(&r, "call_b").result,
        Some(serde_json::json!({"written": 2}))
    );
    let d = call(&r, "call_d");
    assert_eq!(
        (d.status, d.matched_by, d.span_id),
        (CallStatus::NotExecuted, MatchEvidence::NotExecuted, None)
    );
    // Executed, emitted by nobody: a batch of its own.
    let z = call(&r, "call_zzz");
    assert_eq!(
        (z.matched_by, z.emitted_by, z.status),
        (MatchEvidence::NoEmittingCall, None, CallStatus::Error)
    );
    assert_eq!(z.error.as_deref(), Some("audit store unavailable"));
    assert_eq!(
        (r.batches[1].id.as_str(), r.batches[1].emitted_by),
        ("b2", None)
    );
    assert!(r
        .tool_calls
        .iter()
        .all(|c| c.start_unix_nano.is_some() || c.status == CallStatus::NotExecuted));
    assert_eq!(
        r.final_answer.as_ref().map(|f| f.text.as_str()),
        Some("All done.")
    );
    assert_eq!(
        r.model_calls[0].finish_reason.as_deref(),
        Some("tool_calls")
    );
    assert_eq!(
        r.tool_definitions.first().map(|d| d.name.as_str()),
        Some("read_file")
    );
}

#[test]
fn genai_older_event_forms() {
    let r = run("genai_older_events.otlp.json");
    assert_eq!(
        batch_ids(&r),
        vec![vec!["call_1", "call_2"], vec!["call_3"]]
    );
    assert_eq!(
        call(&r, "call_1").arguments,
        Some(serde_json::json!({"city": "Paris"}))
    );
    // gen_ai.tool.message event in the next call's input carries call_1's result.
    assert_eq!(call(&r, "call_1").result, Some(serde_json::json!("sunny")));
    assert_eq!(
        r.model_calls[1].finish_reason.as_deref(),
        Some("tool_calls")
    );
    assert_eq!(
        r.final_answer.as_ref().unwrap().text,
        "Sunny in Paris at noon."
    );
    // call_2's result appears nowhere: degraded, not guessed.
    assert_eq!(call(&r, "call_2").result, None);
    assert!(degraded(&r, "tool_results_not_captured"));
}

#[test]
fn genai_with_content_capture_off_is_degraded() {
    let r = run("genai_capture_off.otlp.json");
    assert_eq!(batch_ids(&r), vec![vec!["call_s1", "call_s2"]]);
    assert_eq!(r.batches[0].emitted_by, Some(0));
    assert!(r
        .tool_calls
        .iter()
        .all(|c| c.matched_by == MatchEvidence::Order && c.arguments.is_none()));
    for code in [
        "model_output_not_recorded",
        "emitted_calls_inferred",
        "tool_arguments_not_captured",
        "tool_results_not_captured",
    ] {
        assert!(degraded(&r, code), "{code}");
    }
    assert_eq!(r.final_answer, None);
}

#[test]
fn pydantic_v2_running_tools_batch() {
    let r = run("pydantic_v2_running_tools.otlp.json");
    assert_eq!(r.conventions, vec![Convention::PydanticAi]);
    assert_eq!(batch_ids(&r), vec![vec!["pyd_ai_1", "pyd_ai_2"]]);
    let one = call(&r, "pyd_ai_1");
    assert_eq!(
        (span_hex(one).as_str(), one.status),
        ("d000000000000005", CallStatus::Ok)
    );
    assert_eq!(one.result, Some(serde_json::json!({"in_stock": true})));
    let two = call(&r, "pyd_ai_2");
    assert_eq!(
        (two.status, two.error.as_deref()),
        (CallStatus::Error, Some("ValueError: no such sku"))
    );
    assert_eq!(two.arguments, Some(serde_json::json!({"sku": "B"})));
    // The last chat span recorded nothing: the answer comes from the agent span.
    let fa = r.final_answer.as_ref().unwrap();
    assert_eq!(
        (fa.text.as_str(), fa.model_call),
        ("A is in stock; B lookup failed.", None)
    );
    assert_eq!(fa.span_id.unwrap().to_hex(), "d000000000000001");
}

#[test]
fn openinference_ids_hidden_in_json_and_send_tools_spans() {
    let r = run("openinference_langgraph_send.otlp.json");
    assert_eq!(r.conventions, vec![Convention::OpenInference]);
    assert_eq!(
        batch_ids(&r),
        vec![vec!["call_x1", "call_x2", "call_x3"], vec!["#3"]]
    );
    let x1 = call(&r, "call_x1");
    assert_eq!(
        (span_hex(x1).as_str(), x1.matched_by),
        ("e000000000000022", MatchEvidence::CallId)
    );
    assert_eq!(x1.result, Some(serde_json::json!({"new_balance": 110})));
    let x2 = call(&r, "call_x2");
    assert_eq!(
        (span_hex(x2).as_str(), x2.matched_by),
        ("e000000000000021", MatchEvidence::NameAndArguments)
    );
    let x3 = call(&r, "call_x3");
    assert_eq!(
        (x3.status, x3.error.as_deref()),
        (CallStatus::Error, Some("timeout"))
    );
    let guard = &r.tool_calls[3];
    assert_eq!(
        (guard.name.as_str(), guard.matched_by, guard.emitted_by),
        ("guard", MatchEvidence::NoEmittingCall, None)
    );
    assert_eq!(r.final_answer.as_ref().unwrap().text, "Balance is 130.");
    assert_eq!(
        r.tool_definitions.first().map(|d| d.name.as_str()),
        Some("credit")
    );
}

#[test]
fn openllmetry_chat_completions_without_output_recovers_calls_from_next_input() {
    let r = run("openllmetry_chat_no_output.otlp.json");
    assert_eq!(r.conventions, vec![Convention::OpenLlmetry]);
    assert_eq!(batch_ids(&r), vec![vec!["call_q1", "call_q2"]]);
    assert_eq!(r.batches[0].emitted_by, Some(0));
    let q1 = call(&r, "call_q1");
    assert_eq!(
        (span_hex(q1).as_str(), q1.matched_by),
        ("f000000000000004", MatchEvidence::NameAndArguments)
    );
    assert_eq!(
        call(&r, "call_q2").span_id.unwrap().to_hex(),
        "f000000000000003"
    );
    assert!(degraded(&r, "model_output_not_recorded"));
    assert_eq!(
        r.final_answer.as_ref().unwrap().text,
        "10 EUR = 10.9 USD, 20 EUR = 21.8 USD."
    );
}

#[test]
fn openllmetry_responses_item_ids_are_replaced_by_call_ids() {
    let r = run("openllmetry_responses_quirk.otlp.json");
    assert_eq!(batch_ids(&r), vec![vec!["call_R1", "call_R2"]]);
    assert!(r
        .tool_calls
        .iter()
        .all(|c| c.span_id.is_some() && c.status == CallStatus::Ok));
    assert_eq!(
        r.final_answer.as_ref().unwrap().text,
        "Shipped; 4 in stock."
    );
}

#[test]
fn vercel_legacy_v4_args_strings_and_root_is_not_a_batch() {
    let r = run("vercel_legacy_v4.otlp.json");
    assert_eq!(r.conventions, vec![Convention::VercelAiLegacy]);
    assert_eq!(
        r.model_calls.len(),
        2,
        "the ai.generateText root is not a model call"
    );
    assert_eq!(batch_ids(&r), vec![vec!["tc_1", "tc_2"]]);
    assert_eq!(
        call(&r, "tc_1").arguments,
        Some(serde_json::json!({"a": 1, "b": 2}))
    );
    assert_eq!(
        (call(&r, "tc_1").status, call(&r, "tc_1").error.as_deref()),
        (CallStatus::Error, Some("overflow"))
    );
    assert_eq!(call(&r, "tc_2").result, Some(serde_json::json!("12")));
    assert_eq!(
        r.model_calls[0].finish_reason.as_deref(),
        Some("tool_calls")
    );
    assert_eq!(r.final_answer.as_ref().unwrap().text, "3 and 12.");
}

#[test]
fn vercel_v5_stream_input_strings_and_unexecuted_call() {
    let r = run("vercel_v5_stream.otlp.json");
    assert_eq!(batch_ids(&r), vec![vec!["call_v1", "call_v2"]]);
    assert_eq!(
        call(&r, "call_v2").arguments,
        Some(serde_json::json!({"url": "https://b"}))
    );
    assert_eq!(call(&r, "call_v2").status, CallStatus::NotExecuted);
    assert_eq!(
        call(&r, "call_v1").span_id.unwrap().to_hex(),
        "7000000000000003"
    );
}

#[test]
fn vercel_v7_genai_steps() {
    let r = run("vercel_v7_genai.otlp.json");
    assert_eq!(r.conventions, vec![Convention::VercelAiGenAi]);
    assert_eq!(
        r.model_calls.len(),
        2,
        "invoke_agent and step spans are not model calls"
    );
    assert_eq!(batch_ids(&r), vec![vec!["call_s1", "call_s2"]]);
    assert_eq!(
        call(&r, "call_s2").span_id.unwrap().to_hex(),
        "6000000000000004"
    );
    assert_eq!(r.final_answer.as_ref().unwrap().text, "Both listed.");
}

#[test]
fn transcripts_and_native_have_no_timing_and_same_record_matches() {
    for (file, conv) in [
        (
            "transcript_openai_chat.otlp.json",
            Convention::OpenAiChatTranscript,
        ),
        (
            "transcript_openai_responses.otlp.json",
            Convention::OpenAiResponsesTranscript,
        ),
        (
            "transcript_anthropic.otlp.json",
            Convention::AnthropicTranscript,
        ),
        ("transcript_native.otlp.json", Convention::Native),
    ] {
        let r = run(file);
        assert_eq!(r.conventions, vec![conv], "{file}");
        assert_eq!(r.timing, Timing::Absent);
        assert_eq!(
            batch_ids(&r),
            vec![vec!["toolu_1", "toolu_2", "toolu_3"]],
            "{file}"
        );
        assert!(r
            .tool_calls
            .iter()
            .all(|c| c.start_unix_nano.is_none() && c.end_unix_nano.is_none()));
        assert!(r
            .model_calls
            .iter()
            .all(|m| m.start_unix_nano.is_none() && m.end_unix_nano.is_none()));
        assert_eq!(call(&r, "toolu_1").matched_by, MatchEvidence::SameRecord);
        assert_eq!(
            (
                call(&r, "toolu_2").status,
                call(&r, "toolu_2").error.as_deref()
            ),
            (CallStatus::Error, Some("locked"))
        );
        assert_eq!(call(&r, "toolu_3").status, CallStatus::NotExecuted);
        assert_eq!(r.model_calls[1].finish_reason.as_deref(), Some("stop"));
        assert_eq!(
            r.final_answer.as_ref().unwrap().text,
            "a=0; write failed; b unknown."
        );
    }
}

#[test]
fn mixed_conventions_and_one_call_recorded_by_two_nested_spans() {
    let r = run("mixed_openinference_pydantic.otlp.json");
    assert_eq!(
        r.conventions,
        vec![Convention::PydanticAi, Convention::OpenInference]
    );
    // The OpenInference TOOL span and the Pydantic span nested in it are one execution.
    assert_eq!(batch_ids(&r), vec![vec!["call_m1", "call_m2"]]);
    assert_eq!(r.tool_calls.len(), 2);
    assert_eq!(
        call(&r, "call_m1").span_id.unwrap().to_hex(),
        "1000000000000005"
    );
    assert_eq!(call(&r, "call_m2").convention, Convention::PydanticAi);
    assert_eq!(r.final_answer.as_ref().unwrap().text, "Found both.");
}

#[test]
fn openai_agents_span_data_and_a_request_recorded_twice() {
    let r = run("openai_agents_span_data.otlp.json");
    assert!(r.conventions.contains(&Convention::OpenAiAgents));
    assert!(
        !r.conventions.contains(&Convention::PydanticAi),
        "Logfire attributes alone are not Pydantic AI"
    );
    // Response output items carry call_id (not the fc_ item id); Function spans carry none.
    assert_eq!(batch_ids(&r), vec![vec!["call_n1", "call_n2"]]);
    let n1 = call(&r, "call_n1");
    assert_eq!(
        (span_hex(n1).as_str(), n1.matched_by),
        ("2000000000000004", MatchEvidence::NameAndArguments)
    );
    assert_eq!(call(&r, "call_n2").result, Some(serde_json::json!("42")));
    // The raw client span nested in the generation span is the same request: one model call.
    assert_eq!(r.model_calls.len(), 2);
    let fa = r.final_answer.as_ref().unwrap();
    assert_eq!(
        (fa.text.as_str(), fa.span_id.unwrap().to_hex()),
        ("7 and 42.", "2000000000000005".to_owned())
    );
}
