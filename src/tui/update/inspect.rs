//! The inspector's text for the selected item, built once per selection change (never while
//! drawing): fields, pretty-printed JSON of arguments and results, accesses with their evidence,
//! findings, timings and span attributes. Every string from the trace is sanitized here.

use crate::units;
use serde_json::Value;

use crate::analysis::WhyStep;
use crate::model::SpanId;

use super::super::app::{InspectorLine, LineKind};
use super::super::sanitize;
use super::super::trace_model::{AxisUnit, Item, TraceModel};

/// JSON values longer than this many lines are cut (the rest is one line saying how much).
const MAX_JSON_LINES: usize = 400;
/// Attribute values are cut to this many characters.
const MAX_ATTRIBUTE_CHARS: usize = 300;

struct Out(Vec<InspectorLine>);

impl Out {
    fn push(&mut self, kind: LineKind, text: impl Into<String>) {
        self.0.push(InspectorLine {
            kind,
            text: text.into(),
        });
    }

    fn heading(&mut self, text: &str) {
        if !self.0.is_empty() {
            self.push(LineKind::Text, "");
        }
        self.push(LineKind::Heading, text);
    }

    fn field(&mut self, key: &str, value: &str) {
        self.push(LineKind::Field, format!("{key}: {}", sanitize::line(value)));
    }

    fn text(&mut self, kind: LineKind, text: &str) {
        for l in sanitize::lines(text) {
            self.push(kind, l);
        }
    }

    fn json(&mut self, value: &Value) {
        // A JSON string is shown as text (results are often prose or a JSON document in a string).
        let text = match value {
            Value::String(s) => s.clone(),
            v => serde_json::to_string_pretty(v).unwrap_or_default(),
        };
        let lines = sanitize::lines(&text);
        let total = lines.len();
        for l in lines.into_iter().take(MAX_JSON_LINES) {
            self.push(LineKind::Json, l);
        }
        if total > MAX_JSON_LINES {
            self.push(
                LineKind::Dim,
                format!("… {} more lines", total - MAX_JSON_LINES),
            );
        }
    }
}

/// The inspector lines for `item`.
pub fn inspector_lines(model: &TraceModel, item: Item) -> Vec<InspectorLine> {
    let mut out = Out(Vec::new());
    match item {
        Item::Call(c) => call(model, c, &mut out),
        Item::Model(m) => model_call(model, m, &mut out),
        Item::Batch(b) => batch(model, b, &mut out),
        Item::Answer => answer(model, &mut out),
    }
    out.0
}

fn when(model: &TraceModel, start: Option<u64>, end: Option<u64>, out: &mut Out) {
    if model.axis.unit == AxisUnit::Steps {
        out.field("timing", "not recorded (transcript): order only");
        return;
    }
    let rel = |t: Option<u64>| t.map_or("-".to_owned(), |t| units::offset(t, model.axis.origin));
    let dur = match (start, end) {
        (Some(s), Some(e)) => units::duration(e.saturating_sub(s)),
        _ => "-".into(),
    };
    let recovered = if model.run().timing == crate::model::Timing::Recovered {
        "  recovered from log line times (upper bound)"
    } else {
        ""
    };
    out.field(
        "time",
        &format!("{} → {}  ({dur}){recovered}", rel(start), rel(end)),
    );
}

fn call(model: &TraceModel, c: usize, out: &mut Out) {
    let run = model.run();
    let Some(call) = run.tool_calls.get(c) else {
        return;
    };
    out.heading(&format!(
        "tool call {} ({})",
        sanitize::line(&call.name),
        sanitize::line(&call.display_id())
    ));
    out.field("status", &format!("{:?}", call.status).to_lowercase());
    if let Some(e) = &call.error {
        out.push(LineKind::Error, format!("error: {}", sanitize::line(e)));
    }
    when(model, call.start_unix_nano, call.end_unix_nano, out);
    if let Some(b) = call.batch.and_then(|b| run.batches.get(b)) {
        out.field("batch", &format!("{} ({} calls)", b.id, b.calls.len()));
    }
    if let Some(m) = call.emitted_by {
        out.field("emitted by", &format!("model call #{}", m + 1));
    }
    out.field("matched by", call.matched_by.label());
    out.heading("arguments");
    match &call.arguments {
        Some(v) => out.json(v),
        None => out.push(LineKind::Dim, "(not captured)"),
    }
    out.heading("result");
    match &call.result {
        Some(v) => out.json(v),
        None => out.push(LineKind::Dim, "(not captured)"),
    }
    let analysis = model.analysis();
    let accesses = analysis
        .accesses
        .get(c)
        .map(Vec::as_slice)
        .unwrap_or_default();
    out.heading("accesses");
    if accesses.is_empty() {
        out.push(LineKind::Dim, "(none known)");
    }
    for a in accesses {
        let in_finding = analysis
            .findings
            .iter()
            .any(|f| f.resource == a.resource && f.calls.contains(&c));
        let (kind, mark) = if in_finding {
            (LineKind::Conflict, " ‼")
        } else {
            (LineKind::Text, "")
        };
        out.push(
            kind,
            format!(
                "{:<2} {}{mark}  [{}, {}]",
                a.mode.mark(),
                sanitize::line(&a.resource),
                format!("{:?}", a.source).to_lowercase(),
                format!("{:?}", a.confidence).to_lowercase()
            ),
        );
        out.push(LineKind::Dim, format!("   {}", sanitize::line(&a.evidence)));
    }
    let findings: Vec<_> = analysis.findings_of_call(c).collect();
    if !findings.is_empty() {
        out.heading("findings");
    }
    for (_, f) in findings {
        out.push(
            LineKind::Conflict,
            format!(
                "‼ {} {} on {}",
                f.severity.as_str(),
                f.kind.label(),
                sanitize::line(&f.resource)
            ),
        );
        out.text(LineKind::Conflict, &format!("  {}", f.explanation));
        let others: Vec<String> = f
            .calls
            .iter()
            .filter(|o| **o != c)
            .filter_map(|o| run.tool_calls.get(*o))
            .map(|o| {
                format!(
                    "{} {}",
                    sanitize::line(&o.display_id()),
                    sanitize::line(&o.name)
                )
            })
            .collect();
        if !others.is_empty() {
            out.push(LineKind::Field, format!("  with: {}", others.join(", ")));
        }
        for s in &f.signals {
            out.push(LineKind::Dim, format!("  · {}", sanitize::line(s)));
        }
    }
    attributes(model, call.span_id, out);
}

fn model_call(model: &TraceModel, m: usize, out: &mut Out) {
    let run = model.run();
    let Some(mc) = run.model_calls.get(m) else {
        return;
    };
    out.heading(&format!(
        "model call #{} {}",
        m + 1,
        sanitize::line(&mc.name)
    ));
    if let Some(name) = &mc.model {
        out.field("model", name);
    }
    when(model, mc.start_unix_nano, mc.end_unix_nano, out);
    if let Some(f) = &mc.finish_reason {
        out.field("finish reason", f);
    }
    if !mc.emitted.is_empty() {
        let names: Vec<String> = mc
            .emitted
            .iter()
            .filter_map(|c| run.tool_calls.get(*c))
            .map(|c| sanitize::line(&c.name).into_owned())
            .collect();
        out.field("emitted", &names.join(", "));
    }
    usage(model, mc.span_id, out);
    if let Some(input) = &mc.input {
        out.heading("conversation");
        conversation(input, out);
    }
    if let Some(text) = &mc.output_text {
        out.heading("output");
        out.text(LineKind::Text, text);
    }
    if !run.tool_definitions.is_empty() {
        let names: Vec<String> = run
            .tool_definitions
            .iter()
            .map(|d| sanitize::line(&d.name).into_owned())
            .collect();
        // Definitions are long and the same for every call: named, not spelled out.
        out.field(
            "tools offered",
            &format!("{} ({})", names.len(), names.join(", ")),
        );
    }
    attributes(model, mc.span_id, out);
}

/// Token usage from the model span's attributes (`gen_ai.usage.*`, `llm.token_count.*`).
fn usage(model: &TraceModel, span: Option<SpanId>, out: &mut Out) {
    let Some(span) = span.and_then(|id| model.span(id)) else {
        return;
    };
    let find = |keys: &[&str]| {
        span.attributes
            .iter()
            .find(|kv| keys.contains(&kv.key.as_str()))
            .map(|kv| match &kv.value {
                crate::model::AnyValue::String(s) => s.clone(),
                v => v.to_json().to_string(),
            })
    };
    let input = find(&[
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.prompt_tokens",
        "llm.token_count.prompt",
    ]);
    let output = find(&[
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.completion_tokens",
        "llm.token_count.completion",
    ]);
    if input.is_some() || output.is_some() {
        out.field(
            "tokens",
            &format!(
                "{} in · {} out",
                input.as_deref().unwrap_or("?"),
                output.as_deref().unwrap_or("?")
            ),
        );
    }
}

/// The messages a model call read, one block per message: its role, its text, the tool calls
/// it carried (name and arguments) and the call a tool result answers. JSON held in strings is
/// read as JSON; anything that is not a list of messages is shown as JSON.
fn conversation(input: &Value, out: &mut Out) {
    let input = crate::normalize::record::parse_loose(input);
    let messages = match &input {
        Value::Array(m) => m.clone(),
        Value::Object(o) => match o.get("messages") {
            Some(Value::Array(m)) => m.clone(),
            _ => vec![input.clone()],
        },
        _ => {
            out.json(&input);
            return;
        }
    };
    for m in &messages {
        let Value::Object(o) = m else {
            out.json(m);
            continue;
        };
        let role = o.get("role").and_then(Value::as_str).unwrap_or("message");
        let answers = o
            .get("tool_call_id")
            .and_then(Value::as_str)
            .map(|id| format!(" (answers {})", sanitize::line(id)))
            .unwrap_or_default();
        out.push(
            LineKind::Field,
            format!("── {}{answers}", sanitize::line(role)),
        );
        match o.get("content").or_else(|| o.get("parts")) {
            Some(Value::String(s)) => out.text(LineKind::Text, s),
            Some(Value::Array(parts)) => {
                for p in parts {
                    match p {
                        Value::String(s) => out.text(LineKind::Text, s),
                        Value::Object(po) => match po
                            .get("text")
                            .or_else(|| po.get("content"))
                            .and_then(Value::as_str)
                        {
                            Some(t) => out.text(LineKind::Text, t),
                            None => out.json(p),
                        },
                        v => out.json(v),
                    }
                }
            }
            Some(Value::Null) | None => {}
            Some(v) => out.json(v),
        }
        if let Some(Value::Array(calls)) = o.get("tool_calls") {
            for c in calls {
                let f = c.get("function").unwrap_or(c);
                let name = f.get("name").and_then(Value::as_str).unwrap_or("?");
                let args = f
                    .get("arguments")
                    .map(|a| match a {
                        Value::String(s) => s.clone(),
                        v => v.to_string(),
                    })
                    .unwrap_or_default();
                out.push(
                    LineKind::Text,
                    format!(
                        "→ {}({})",
                        sanitize::line(name),
                        sanitize::short(&args, MAX_ATTRIBUTE_CHARS)
                    ),
                );
            }
        }
    }
}

fn batch(model: &TraceModel, b: usize, out: &mut Out) {
    let run = model.run();
    let Some(batch) = run.batches.get(b) else {
        return;
    };
    out.heading(&format!(
        "batch {} · {} call{}",
        batch.id,
        batch.calls.len(),
        crate::tui::views::plural(batch.calls.len())
    ));
    if let Some(m) = batch.emitted_by {
        out.field("emitted by", &format!("model call #{}", m + 1));
    }
    if let Some(l) = model
        .analysis()
        .latency
        .batches
        .iter()
        .find(|l| l.batch == b)
    {
        if let (Some(wall), Some(sum)) = (l.wall_nanos, l.sum_nanos) {
            out.field("wall", &units::duration(wall));
            out.field("sum of calls", &units::duration(sum));
        }
        if let Some(s) = l.speedup {
            out.field("speedup", &format!("{s:.2}x"));
        }
        out.field("overlapped", if l.overlapped { "yes" } else { "no" });
    }
    out.heading("calls");
    for c in batch.calls.iter().filter_map(|c| run.tool_calls.get(*c)) {
        let mark = if model.is_conflict(c.index) {
            "‼ "
        } else {
            "  "
        };
        let kind = if model.is_conflict(c.index) {
            LineKind::Conflict
        } else {
            LineKind::Text
        };
        out.push(
            kind,
            format!(
                "{mark}{} {}",
                sanitize::line(&c.display_id()),
                sanitize::line(&c.name)
            ),
        );
    }
    let findings: Vec<_> = model
        .analysis()
        .findings
        .iter()
        .filter(|f| f.batch == b)
        .collect();
    if !findings.is_empty() {
        out.heading("findings");
    }
    for f in findings {
        out.text(
            LineKind::Conflict,
            &format!("‼ {}: {}", f.severity.as_str(), f.explanation),
        );
    }
}

fn answer(model: &TraceModel, out: &mut Out) {
    let run = model.run();
    out.heading("final answer");
    match &run.final_answer {
        Some(a) => {
            out.text(LineKind::Text, &a.text);
            if let Some(m) = a.model_call {
                out.field("produced by", &format!("model call #{}", m + 1));
            }
        }
        None => out.push(LineKind::Dim, "(no final answer recorded)"),
    }
    let steps = &model.analysis().why.steps;
    if !steps.is_empty() {
        out.heading("why (press b to step back)");
        for s in steps {
            let line = match s {
                WhyStep::Answer { value, .. } => {
                    format!("answer value {}", value.as_deref().unwrap_or("?"))
                }
                WhyStep::Call { call, .. } => format!(
                    "← call {}",
                    run.tool_calls
                        .get(*call)
                        .map_or("?".into(), |c| sanitize::line(&c.name).into_owned())
                ),
                WhyStep::Batch { batch } => {
                    format!(
                        "← batch {}",
                        run.batches.get(*batch).map_or("?", |b| b.id.as_str())
                    )
                }
                WhyStep::Finding { finding, .. } => format!(
                    "← finding: {}",
                    model
                        .analysis()
                        .findings
                        .get(*finding)
                        .map_or("?".into(), |f| f.explanation.clone())
                ),
            };
            out.text(LineKind::Text, &line);
        }
    }
}

fn attributes(model: &TraceModel, span: Option<SpanId>, out: &mut Out) {
    let Some(span) = span.and_then(|id| model.span(id)) else {
        return;
    };
    out.heading(&format!("span {} attributes", span.span_id));
    for kv in &span.attributes {
        let value = match &kv.value {
            crate::model::AnyValue::String(s) => s.clone(),
            v => v.to_json().to_string(),
        };
        out.push(
            LineKind::Field,
            format!(
                "{} = {}",
                sanitize::line(&kv.key),
                sanitize::short(&value, MAX_ATTRIBUTE_CHARS)
            ),
        );
    }
}
