//! Sessions and preconditions between siblings: a login / authenticate / connect call and the
//! calls of the same API that need it, and a tool whose description says it requires, must
//! follow or must precede another tool of the batch.
//!
//! The API of a tool is its name's namespace (`crm.login` → `crm`), else the opening sentence
//! its description shares with other tools of the run (tool suites describe themselves in one
//! preamble), else a word its name shares with the login tool (`message_login`, `send_message`).
//! A sibling whose description states the requirement ("requires an authenticated session",
//! "must log in first") needs the session (medium evidence); one that only shares the API, or
//! only acts "for the authenticated user" (a session opened before the batch serves as well), is
//! weak evidence, and its finding stays `info`.

use crate::analysis::resources::names::{singular, split_words};
use crate::model::{Run, ToolCall};

/// What one sibling needs another to have done first.
pub(super) struct Need {
    /// Index (in the pair) of the call that must go first: 0 for `a`, 1 for `b`.
    pub first: usize,
    pub resource: String,
    pub signals: Vec<String>,
    /// Stronger than a shared API: the description says so.
    pub strong: bool,
    pub why: String,
}

fn description<'r>(run: &'r Run, name: &str) -> Option<&'r str> {
    run.tool_definitions
        .iter()
        .find(|d| d.name == name)
        .and_then(|d| d.description.as_deref())
}

fn namespace(name: &str) -> Option<&str> {
    name.rfind(['.', '/', ':'])
        .or_else(|| name.rfind("__"))
        .map(|i| &name[..i])
        .filter(|p| !p.is_empty())
}

fn first_sentence(d: &str) -> &str {
    let d = d.trim();
    d.find(". ").map_or(d, |i| &d[..i])
}

/// The API a tool belongs to, when the trace says.
pub(super) fn api(run: &Run, name: &str) -> Option<String> {
    if let Some(ns) = namespace(name) {
        return Some(ns.to_ascii_lowercase());
    }
    let lead = first_sentence(description(run, name)?);
    let shared = run
        .tool_definitions
        .iter()
        .filter(|d| {
            d.description
                .as_deref()
                .is_some_and(|x| first_sentence(x) == lead)
        })
        .count();
    if shared < 2 || lead.len() < 12 {
        return None;
    }
    // Name it by its capitalised words (`... the Message API, which ...` → `message_api`).
    let caps: Vec<String> = lead
        .split(|c: char| !c.is_alphanumeric())
        .skip(1)
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .map(str::to_ascii_lowercase)
        .take(3)
        .collect();
    Some(if caps.is_empty() {
        "api".into()
    } else {
        caps.join("_")
    })
}

const LOGIN_WORDS: &[&str] = &[
    "login",
    "logon",
    "signin",
    "authenticate",
    "authentication",
    "auth",
    "connect",
];

/// A call that opens a session: its name has a login word and no read verb or status word.
fn is_login(name: &str) -> bool {
    let words = split_words(name);
    let joined = words.join("");
    let login = words.iter().any(|w| LOGIN_WORDS.contains(&w.as_str()))
        || joined.contains("signin")
        || joined.contains("login");
    login
        && !words.iter().any(|w| {
            matches!(
                w.as_str(),
                "get" | "check" | "status" | "logout" | "logoff" | "signout" | "is" | "disconnect"
            )
        })
}

/// A description that speaks of a session, a login or credentials.
fn mentions_session(d: &str) -> Option<&'static str> {
    let l = d.to_ascii_lowercase();
    [
        "authenticated",
        "logged in",
        "logged-in",
        "log in",
        "login",
        "signed in",
        "session",
        "access token",
        "credentials",
    ]
    .into_iter()
    .find(|w| l.contains(w))
}

/// Content words of a tool name (`pressBrakePedal` → `press`, `brake`, `pedal`).
fn name_words(name: &str) -> Vec<String> {
    let own = namespace(name).map_or(name, |ns| &name[ns.len()..]);
    split_words(own)
        .into_iter()
        .filter(|w| w.len() >= 3)
        .map(|w| singular(&w))
        .collect()
}

/// A sentence of `d` stating an order, and whether it says "before" (the other goes later).
fn order_sentences(d: &str) -> Vec<(String, bool)> {
    d.split(['.', ';', '\n'])
        .filter_map(|s| {
            let words = split_words(s);
            let has = |w: &str| words.iter().any(|x| x == w);
            let after = has("requires")
                || has("require")
                || has("required")
                || has("must")
                || has("after")
                || has("first")
                || has("prior");
            let before = has("before");
            (after || before).then(|| (s.trim().to_owned(), before && !after))
        })
        .collect()
}

/// `sentence` names every content word of tool `other`.
fn names_tool(sentence: &str, other: &str) -> bool {
    let words: Vec<String> = split_words(sentence).iter().map(|w| singular(w)).collect();
    let want = name_words(other);
    !want.is_empty()
        && want.iter().all(|w| {
            words
                .iter()
                .any(|x| x == w || (w.len() >= 5 && x.len() >= 5 && x[..5] == w[..5]))
        })
}

fn label(c: &ToolCall) -> String {
    format!("{} ({})", c.name, c.display_id())
}

/// Whether a call of tool `name` can take part in a session or stated precondition at all: it
/// opens a session, or its description states an order. Read once per tool and batch, so pairs
/// of ordinary calls cost nothing.
pub(super) fn may_need(run: &Run, name: &str) -> bool {
    is_login(name) || description(run, name).is_some_and(|d| !order_sentences(d).is_empty())
}

/// What one of `a`, `b` needs the other to have done first, if the trace says.
pub(super) fn need(run: &Run, a: &ToolCall, b: &ToolCall) -> Option<Need> {
    // 1. A description naming the sibling as a precondition.
    for (x, (me, other)) in [(a, b), (b, a)].into_iter().enumerate() {
        let Some(d) = description(run, &me.name) else {
            continue;
        };
        for (sentence, before) in order_sentences(d) {
            if me.name != other.name && names_tool(&sentence, &other.name) {
                let shown: String = sentence.chars().take(120).collect();
                // `x` is the index of `me`; "before" means `me` goes first.
                let first = if before { x } else { 1 - x };
                return Some(Need {
                    first,
                    resource: format!("precondition:{}", other.name.to_ascii_lowercase()),
                    signals: vec![format!("description of {}: {shown:?}", label(me))],
                    strong: true,
                    why: format!("the description of {} says {shown:?}", me.name),
                });
            }
        }
    }
    // 2. A login and a call of the same API.
    let (login, user, first) = match (is_login(&a.name), is_login(&b.name)) {
        (true, false) => (a, b, 0),
        (false, true) => (b, a, 1),
        _ => return None,
    };
    let (la, ua) = (api(run, &login.name), api(run, &user.name));
    let scope = match (&la, &ua) {
        (Some(x), Some(y)) if x == y => x.clone(),
        (Some(_), Some(_)) => return None,
        _ => {
            let lw = name_words(&login.name);
            let shared = name_words(&user.name)
                .into_iter()
                .find(|w| lw.contains(w) && !LOGIN_WORDS.contains(&w.as_str()))?;
            shared
        }
    };
    let mut signals = vec![format!("{} opens a session with {scope}", label(login))];
    // Only a stated requirement ("requires an authenticated session", "must log in first")
    // is medium evidence: "for the authenticated user" holds as well for a session opened
    // before the batch.
    let d = description(run, &user.name);
    let said = d.and_then(|d| {
        order_sentences(d)
            .into_iter()
            .find_map(|(s, _)| mentions_session(&s).map(|w| (w, s)))
    });
    match (&said, d.and_then(mentions_session)) {
        (Some((_, s)), _) => signals.push(format!(
            "the description of {} says {:?}",
            user.name,
            s.chars().take(120).collect::<String>()
        )),
        (None, Some(w)) => signals.push(format!(
            "weak evidence: {} belongs to the same API and its description speaks of {w:?}, but states no requirement (the session may be open already)",
            label(user)
        )),
        (None, None) => signals.push(format!(
            "weak evidence: {} only belongs to the same API",
            label(user)
        )),
    }
    Some(Need {
        first,
        resource: format!("session:{scope}"),
        signals,
        strong: said.is_some(),
        why: format!("{} needs the session {} opens", user.name, login.name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_words_and_order_sentences() {
        assert!(is_login("message_login") && is_login("authenticate_twitter"));
        assert!(is_login("crm.signIn") && !is_login("get_login_status"));
        assert!(!is_login("logout"));
        let s = order_sentences("Starts the engine. The brake pedal must be pressed first.");
        assert_eq!(s.len(), 1);
        assert!(names_tool(&s[0].0, "pressBrakePedal") && !s[0].1);
        assert!(!names_tool(&s[0].0, "lockDoors"));
        assert!(order_sentences("Call this before any upload")[0].1);
    }
}
