//! The pull prompt: `p` asks for `URL TRACE_ID` (or the URL alone, then the id), the worker
//! fetches and stores the trace (credentials from the same environment variables as
//! `fanout pull`), and the viewer opens it when it arrives. Only checks that need no I/O are
//! made here: the URL's shape and the id's.

use crate::pull::client::shown_url;
use crate::tui::action::{Effect, PullDone, PullRequest};
use crate::tui::app::{App, Level, Prompt, PromptTarget};
use crate::tui::views::short_id;

/// `p`: opens the prompt, offering the URL used last.
pub fn open_prompt(app: &mut App) -> Vec<Effect> {
    if let Some((id, url)) = &app.pull.running {
        let text = format!("still pulling {id} from {url}…");
        app.notify(Level::Info, text);
        return vec![];
    }
    let text = app
        .pull
        .url
        .as_ref()
        .map(|u| format!("{u} "))
        .unwrap_or_default();
    app.prompt = Some(Prompt::new(PromptTarget::Pull, text));
    vec![]
}

/// Enter on `URL TRACE_ID` (or on the URL alone: then the id is asked for).
pub fn submit(app: &mut App, text: &str) -> Vec<Effect> {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        [] => vec![],
        [url] => match check_url(url) {
            Ok(()) => {
                // The id prompt needs the URL even when it is not offered again.
                app.pull.url = Some((*url).to_owned());
                app.prompt = Some(Prompt::new(PromptTarget::PullTraceId, String::new()));
                vec![]
            }
            Err(e) => fail(app, e),
        },
        [url, id] => start(app, url, id),
        _ => fail(
            app,
            "type the backend's URL and a trace id: URL TRACE_ID".into(),
        ),
    }
}

/// Enter on the trace id, the URL given before.
pub fn submit_id(app: &mut App, text: &str) -> Vec<Effect> {
    let id = text.trim();
    if id.is_empty() {
        return vec![];
    }
    match app.pull.url.clone() {
        Some(url) => start(app, &url, id),
        None => fail(
            app,
            "no URL to pull from: press p and type URL TRACE_ID".into(),
        ),
    }
}

/// The worker's answer: open the trace, or say why not.
pub fn finished(app: &mut App, result: Result<PullDone, String>) -> Vec<Effect> {
    app.pull.running = None;
    match result {
        Ok(done) => {
            let id = done.id;
            app.notify(Level::Info, done.message.clone());
            app.loading = Some(id);
            app.pull.opening = Some(done);
            vec![Effect::LoadSummaries, Effect::LoadTrace(id)]
        }
        Err(e) => fail(app, format!("pull failed: {e}")),
    }
}

fn start(app: &mut App, url: &str, id: &str) -> Vec<Effect> {
    if let Err(e) = check_url(url) {
        return fail(app, e);
    }
    let trace_id = match crate::pull::normalize_trace_id(id) {
        Ok(id) => id,
        Err(e) => return fail(app, e.to_string()),
    };
    remember(app, url);
    // The status line shows the pull under way until the worker answers (as typed: the
    // zero-padded id is harder to recognise).
    app.pull.running = Some((short_id(id.trim()), shown_url(url)));
    vec![Effect::Pull(PullRequest {
        url: url.to_owned(),
        trace_id,
    })]
}

fn check_url(url: &str) -> Result<(), String> {
    crate::pull::BaseUrl::parse(url)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Keeps the URL for the next prompt, unless it carries credentials (the prompt shows its
/// text; credentials are never shown).
fn remember(app: &mut App, url: &str) {
    app.pull.url = (shown_url(url) == url).then(|| url.to_owned());
}

fn fail(app: &mut App, message: String) -> Vec<Effect> {
    app.notify(Level::Error, message);
    vec![]
}
