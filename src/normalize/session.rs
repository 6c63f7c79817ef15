//! The context a run was recorded in (agent, version, session id, project folder, branch), read
//! from the attributes that state it: fanout's own `fanout.session.*` keys written by the
//! agent-log readers, OpenInference's `session.id`, the GenAI `gen_ai.conversation.id`, and the
//! resource's `service.name` / `service.version`.

use crate::model::span::find_attr;
use crate::model::{SessionInfo, Span};

/// Keys naming the session or conversation, most specific first.
const SESSION_ID_KEYS: [&str; 3] = ["fanout.session.id", "session.id", "gen_ai.conversation.id"];

/// The run's context, or `None` when the trace states nothing beyond its service name.
pub fn read(spans: &[Span]) -> Option<SessionInfo> {
    let root = spans
        .iter()
        .find(|s| s.parent_span_id.is_none())
        .or(spans.first())?;
    let text = |key: &str| -> Option<String> {
        spans
            .iter()
            .find_map(|s| find_attr(&s.attributes, key)?.as_str().map(str::to_owned))
            .filter(|v| !v.trim().is_empty())
    };
    let resource = |key: &str| -> Option<String> {
        find_attr(&root.resource.attributes, key)?
            .as_str()
            .map(str::to_owned)
            .filter(|v| !v.trim().is_empty())
    };
    let info = SessionInfo {
        agent: root
            .resource
            .service_name()
            .filter(|n| !n.is_empty() && !n.starts_with("unknown_service"))
            .map(str::to_owned),
        agent_version: text("fanout.agent.version").or_else(|| resource("service.version")),
        session_id: SESSION_ID_KEYS.iter().find_map(|k| text(k)),
        project: text("fanout.session.cwd"),
        git_branch: text("fanout.session.git_branch"),
        parent_session_id: text("fanout.session.parent_id"),
        parent_call_id: text("fanout.session.parent_call_id"),
    };
    let stated = info.agent_version.is_some()
        || info.session_id.is_some()
        || info.project.is_some()
        || info.git_branch.is_some();
    stated.then_some(info)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::span::{KeyValue, Resource};
    use crate::model::SpanId;
    use crate::normalize::testutil::{s, span};

    fn with_service(mut sp: Span, name: &str) -> Span {
        sp.resource = Arc::new(Resource {
            attributes: vec![KeyValue::new("service.name", s(name))],
            ..Default::default()
        });
        sp
    }

    #[test]
    fn a_service_name_alone_is_no_session() {
        let root = with_service(span(1, "root", "app", vec![]), "shop-agent");
        assert_eq!(read(&[root]), None);
    }

    #[test]
    fn agent_log_keys_and_conventions_ids_are_read() {
        let root = with_service(
            span(
                1,
                "root",
                "app",
                vec![
                    ("fanout.agent.version", s("2.1.90")),
                    ("fanout.session.cwd", s("/home/dev/shop")),
                    ("fanout.session.git_branch", s("main")),
                ],
            ),
            "claude-code",
        );
        let mut child = span(2, "chat", "app", vec![("session.id", s("abc-123"))]);
        child.parent_span_id = Some(SpanId([1; 8]));
        let info = read(&[child, root]).expect("stated");
        assert_eq!(info.agent.as_deref(), Some("claude-code"));
        assert_eq!(info.session_id.as_deref(), Some("abc-123"));
        assert_eq!(
            info.summary(),
            "claude-code 2.1.90 · /home/dev/shop (main) · session abc-123"
        );
    }

    #[test]
    fn a_conversation_id_names_the_session() {
        let root = span(
            1,
            "root",
            "app",
            vec![("gen_ai.conversation.id", s("conv_9"))],
        );
        let info = read(&[root]).expect("stated");
        assert_eq!(info.session_id.as_deref(), Some("conv_9"));
        assert_eq!(info.summary(), "session conv_9");
    }
}
