//! Classifies each span on its own: which convention emitted it (fact sheet §11 order) and what
//! role it plays in the run (model call, tool execution, agent, batch wrapper). A trace may mix
//! conventions; nothing here reads across spans.

use crate::model::span::find_attr;
use crate::model::{Convention, Span};

/// What a span is in the agent run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// One model (LLM) call.
    Model,
    /// One executed tool call.
    Tool,
    /// An agent / workflow / run span (may hold the final answer).
    Agent,
    /// An explicit wrapper around one batch of tool spans (Pydantic AI `running tools`).
    ToolBatch,
    /// Anything else (HTTP, DB, routing chains...).
    Other,
}

/// A span's convention and role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Class {
    pub convention: Convention,
    pub role: Role,
}

/// The transcript / native convention named by the resource attribute `fanout.source.format`.
pub fn source_convention(span: &Span) -> Option<Convention> {
    let format = find_attr(&span.resource.attributes, "fanout.source.format")?.as_str()?;
    Some(match format.trim() {
        "native" => Convention::Native,
        "openai-chat" => Convention::OpenAiChatTranscript,
        "openai-responses" => Convention::OpenAiResponsesTranscript,
        "anthropic" => Convention::AnthropicTranscript,
        "claude-code" | "codex-cli" | "gemini-cli" => Convention::CodingAgentSession,
        _ => return None,
    })
}

/// True when the span's resource says its times were recovered from log lines, not measured.
pub fn timing_recovered(span: &Span) -> bool {
    find_attr(&span.resource.attributes, "fanout.timing").and_then(|v| v.as_str())
        == Some("recovered")
}

/// True when the span's resource says the source had no timing.
pub fn timing_absent(span: &Span) -> bool {
    find_attr(&span.resource.attributes, "fanout.timing").and_then(|v| v.as_str()) == Some("absent")
}

fn has_key_prefix(span: &Span, prefix: &str) -> bool {
    span.attributes.iter().any(|kv| kv.key.starts_with(prefix))
}

/// Indexed OpenLLMetry keys such as `gen_ai.prompt.0.role` / `gen_ai.completion.0.content`.
fn has_indexed_prompt(span: &Span) -> bool {
    span.attributes.iter().any(|kv| {
        ["gen_ai.prompt.", "gen_ai.completion."].iter().any(|p| {
            kv.key
                .strip_prefix(p)
                .is_some_and(|rest| rest.chars().next().is_some_and(|c| c.is_ascii_digit()))
        })
    })
}

/// Traceloop's provider packages use their module name as scope
/// (`opentelemetry.instrumentation.openai.v1`, `...openai_agents`); the OpenTelemetry contrib
/// GenAI packages (`...openai_v2`) follow plain GenAI semconv.
fn traceloop_scope(scope: &str) -> bool {
    scope.contains("traceloop")
        || (scope.starts_with("opentelemetry.instrumentation.") && !scope.ends_with("_v2"))
}

/// Classifies one span; `None` for spans of no convention we read.
pub fn classify(span: &Span) -> Option<Class> {
    if let Some(convention) = source_convention(span) {
        return Some(Class {
            convention,
            role: genai_role(span)?,
        });
    }
    if let Some(kind) = span.attr_str("openinference.span.kind") {
        let role = match kind.trim().to_ascii_uppercase().as_str() {
            "LLM" => Role::Model,
            "TOOL" => Role::Tool,
            "AGENT" => Role::Agent,
            "CHAIN" if span.parent_span_id.is_none() => Role::Agent,
            _ => Role::Other,
        };
        return Some(Class {
            convention: Convention::OpenInference,
            role,
        });
    }
    if let Some(op) = span
        .attr_str("ai.operationId")
        .or_else(|| span.attr("ai.toolCall.name").map(|_| "ai.toolCall"))
    {
        let role = if op == "ai.toolCall" {
            Role::Tool
        } else if op.ends_with(".doGenerate") || op.ends_with(".doStream") {
            if op.contains("embed") {
                Role::Other
            } else {
                Role::Model
            }
        } else if op.starts_with("ai.") && op.matches('.').count() == 1 {
            Role::Agent
        } else {
            Role::Other
        };
        return Some(Class {
            convention: Convention::VercelAiLegacy,
            role,
        });
    }
    let traceloop = span.attr("traceloop.span.kind").is_some()
        || has_key_prefix(span, "traceloop.entity.")
        || has_indexed_prompt(span)
        || span.attr("llm.request.type").is_some()
        || traceloop_scope(&span.scope.name);
    if traceloop {
        let role = match span.attr_str("traceloop.span.kind") {
            Some("tool") => Role::Tool,
            Some("workflow") | Some("agent") => Role::Agent,
            Some(_) => Role::Other,
            None => match span.attr_str("llm.request.type") {
                Some("chat") | Some("completion") => Role::Model,
                _ => genai_role(span).unwrap_or(if has_indexed_prompt(span) {
                    Role::Model
                } else {
                    Role::Other
                }),
            },
        };
        return Some(Class {
            convention: Convention::OpenLlmetry,
            role,
        });
    }
    if let Some(role) = super::openai_agents::role(span) {
        return Some(Class {
            convention: Convention::OpenAiAgents,
            role,
        });
    }
    // Logfire attributes alone do not mean Pydantic AI (Logfire instruments other libraries):
    // require its scope, its span names, or its agent attributes.
    let pydantic = span.scope.name == "pydantic-ai"
        || matches!(
            span.name.as_str(),
            "running tool" | "running tools" | "agent run"
        )
        || (span.attr("logfire.msg").is_some()
            && (span.attr("agent_name").is_some()
                || span.attr("final_result").is_some()
                || span
                    .attr_str("logfire.msg")
                    .is_some_and(|m| m.starts_with("running tool"))));
    if pydantic {
        let role = match span.name.as_str() {
            "running tools" => Role::ToolBatch,
            "running tool" | "running output function" => Role::Tool,
            "agent run" => Role::Agent,
            _ => genai_role(span).unwrap_or(if span.attr("agent_name").is_some() {
                Role::Agent
            } else {
                Role::Other
            }),
        };
        return Some(Class {
            convention: Convention::PydanticAi,
            role,
        });
    }
    if span.attr("gen_ai.operation.name").is_some() || older_genai_model(span) {
        let vercel = matches!(span.scope.name.as_str(), "ai" | "gen_ai" | "@ai-sdk/otel")
            || span.attr("gen_ai.execute_tool.duration").is_some()
            || span.attr_str("gen_ai.operation.name") == Some("agent_step");
        let convention = if vercel {
            Convention::VercelAiGenAi
        } else {
            Convention::GenAi
        };
        return Some(Class {
            convention,
            role: genai_role(span).unwrap_or(Role::Other),
        });
    }
    None
}

/// A pre-1.37 GenAI inference span without `gen_ai.operation.name`: model attributes plus
/// prompt/completion content events.
fn older_genai_model(span: &Span) -> bool {
    (span.attr("gen_ai.request.model").is_some() || span.attr("gen_ai.system").is_some())
        && span.events.iter().any(|e| e.name.starts_with("gen_ai."))
}

/// The role from `gen_ai.operation.name` (GenAI semconv and its derivatives).
pub fn genai_role(span: &Span) -> Option<Role> {
    let Some(op) = span.attr_str("gen_ai.operation.name") else {
        return older_genai_model(span).then_some(Role::Model);
    };
    Some(match op.trim() {
        "chat" | "generate_content" | "text_completion" | "completion" | "chat_completions"
        | "responses" => Role::Model,
        "execute_tool" => Role::Tool,
        "invoke_agent" | "invoke_workflow" | "create_agent" => Role::Agent,
        _ => Role::Other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::span::{AnyValue, KeyValue};
    use crate::model::{Resource, Scope, SpanId, Status, TraceId};
    use std::sync::Arc;

    fn span(name: &str, scope: &str, attrs: &[(&str, &str)], resource: &[(&str, &str)]) -> Span {
        let kv = |p: &[(&str, &str)]| {
            p.iter()
                .map(|(k, v)| KeyValue::new(*k, AnyValue::String((*v).into())))
                .collect()
        };
        Span {
            trace_id: TraceId([1; 16]),
            span_id: SpanId([1; 8]),
            parent_span_id: Some(SpanId([2; 8])),
            trace_state: String::new(),
            flags: 0,
            name: name.into(),
            kind: Default::default(),
            start_unix_nano: 0,
            end_unix_nano: 0,
            attributes: kv(attrs),
            dropped_attributes_count: 0,
            events: vec![],
            dropped_events_count: 0,
            links: vec![],
            dropped_links_count: 0,
            status: Status::default(),
            resource: Arc::new(Resource {
                attributes: kv(resource),
                ..Default::default()
            }),
            scope: Arc::new(Scope {
                name: scope.into(),
                ..Default::default()
            }),
        }
    }

    fn class(s: &Span) -> (Convention, Role) {
        let c = classify(s).expect("classified");
        (c.convention, c.role)
    }

    #[test]
    fn detection_follows_the_fact_sheet_order() {
        use Convention::*;
        let oi = span(
            "x",
            "s",
            &[
                ("openinference.span.kind", "LLM"),
                ("gen_ai.operation.name", "chat"),
            ],
            &[],
        );
        assert_eq!(class(&oi), (OpenInference, Role::Model));
        let tl = span("get.tool", "s", &[("traceloop.span.kind", "tool")], &[]);
        assert_eq!(class(&tl), (OpenLlmetry, Role::Tool));
        let v = span(
            "ai.generateText",
            "ai",
            &[
                ("ai.operationId", "ai.generateText"),
                ("gen_ai.request.model", "m"),
            ],
            &[],
        );
        assert_eq!(class(&v), (VercelAiLegacy, Role::Agent));
        let vd = span(
            "ai.streamText.doStream",
            "ai",
            &[("ai.operationId", "ai.streamText.doStream")],
            &[],
        );
        assert_eq!(class(&vd), (VercelAiLegacy, Role::Model));
        let p = span("running tools", "pydantic-ai", &[], &[]);
        assert_eq!(class(&p), (PydanticAi, Role::ToolBatch));
        let g = span("chat m", "my", &[("gen_ai.operation.name", "chat")], &[]);
        assert_eq!(class(&g), (GenAi, Role::Model));
        let step = span(
            "step 1",
            "gen_ai",
            &[("gen_ai.operation.name", "agent_step")],
            &[],
        );
        assert_eq!(class(&step), (VercelAiGenAi, Role::Other));
        let contrib = span(
            "chat m",
            "opentelemetry.instrumentation.openai_v2",
            &[("gen_ai.operation.name", "chat")],
            &[],
        );
        assert_eq!(class(&contrib), (GenAi, Role::Model));
        assert!(classify(&span("GET", "http", &[("http.request.method", "GET")], &[])).is_none());
    }

    #[test]
    fn synthetic_spans_take_their_convention_and_timing_from_the_resource() {
        let s = span(
            "chat",
            "t",
            &[("gen_ai.operation.name", "chat")],
            &[
                ("fanout.source.format", "anthropic"),
                ("fanout.timing", "absent"),
            ],
        );
        assert_eq!(class(&s), (Convention::AnthropicTranscript, Role::Model));
        assert!(timing_absent(&s));
        let s = span(
            "execute_tool x",
            "t",
            &[("gen_ai.operation.name", "execute_tool")],
            &[("fanout.source.format", "native")],
        );
        assert_eq!(class(&s), (Convention::Native, Role::Tool));
        assert!(!timing_absent(&s));
    }
}
