//! What a shell script touches, from its syntax tree (brush-parser): the paths each command
//! reads, writes, creates and deletes, the working-directory changes that later commands (and,
//! in a persistent shell, later calls) see, and the commands it cannot judge.
//!
//! Walks `&&`/`||`/`;` lists in order, pipelines (each stage in its own subshell), subshells
//! (a `cd` inside ends with them), brace groups, `if`/`for`/`while`/`case` bodies and
//! redirections (`<`, `>`, `>>`, `2>`, `&>`, here-documents). Words with expansions (`$VAR`,
//! `$(...)`) are not guessed at: a path operand that is not literal is reported as unknown.
//! A glob stands for the folder it matches in. Commands not in the verb table are reported as
//! unknown with their text as evidence, never as a confident read. Neutral output: no resource
//! names or access types (see `coding_tools.rs` for the adapter).

use brush_parser::ast;
use brush_parser::word::{self, WordPiece};
use brush_parser::{Parser, ParserOptions};

use super::paths::resolve;

/// One path a script touches and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touch {
    pub path: String,
    pub effect: Effect,
    /// The command that touches it, for people.
    pub evidence: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Effect {
    Read,
    /// Reads a folder tree (search, listing, build inputs).
    ReadTree,
    Write,
    /// Appends to, or edits in place: reads then writes.
    Modify,
    Create,
    Delete,
}

/// What a script does, as far as its syntax tells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShellEffects {
    pub touches: Vec<Touch>,
    /// Working directory after the script, when a top-level `cd` changed it.
    pub final_cwd: Option<String>,
    /// Commands (or operands) it could not judge, with their text.
    pub unknown: Vec<String>,
    /// The script uses paths relative to the working directory it starts in.
    pub uses_relative_paths: bool,
    /// Set when the script did not parse.
    pub parse_error: Option<String>,
}

/// Longest script looked at; longer ones are one unknown command.
const MAX_SCRIPT: usize = 64 * 1024;

/// Analyses `script` as run in `cwd` (absolute, when known).
pub fn analyze(script: &str, cwd: Option<&str>) -> ShellEffects {
    let mut out = ShellEffects::default();
    if script.len() > MAX_SCRIPT {
        out.unknown.push("script too long to analyse".into());
        return out;
    }
    let options = ParserOptions::default();
    let mut parser = Parser::new(std::io::Cursor::new(script.as_bytes()), &options);
    let program = match parser.parse_program() {
        Ok(p) => p,
        Err(e) => {
            out.parse_error = Some(e.to_string());
            out.unknown
                .push(format!("unparsed script: {}", first_line(script)));
            return out;
        }
    };
    let mut walker = Walker { options, out };
    let mut state = cwd.map(str::to_owned);
    for list in &program.complete_commands {
        walker.list(list, &mut state);
    }
    if state.as_deref() != cwd {
        walker.out.final_cwd = state;
    }
    walker.out
}

/// Analyses an argv (Codex `shell` arrays): `bash -lc <script>` is the script; anything else
/// is one command whose words are taken as given.
pub fn analyze_argv(argv: &[String], cwd: Option<&str>) -> ShellEffects {
    let shell = argv.first().map(|p| program_name(p));
    if let (Some("bash" | "sh" | "zsh" | "dash"), Some(flag), Some(script)) =
        (shell, argv.get(1), argv.get(2))
    {
        if flag.starts_with('-') && flag.contains('c') {
            return analyze(script, cwd);
        }
    }
    let quoted: Vec<String> = argv
        .iter()
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect();
    analyze(&quoted.join(" "), cwd)
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or_default();
    line.chars().take(120).collect()
}

fn program_name(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

struct Walker {
    options: ParserOptions,
    out: ShellEffects,
}

/// A word's literal value, or `None` when it has expansions (`$x`, `$(...)`, `~user`).
fn literal(options: &ParserOptions, w: &ast::Word) -> Option<String> {
    let pieces = word::parse(&w.value, options).ok()?;
    let mut out = String::new();
    for p in pieces {
        push_literal(&p.piece, &mut out)?;
    }
    Some(out)
}

fn push_literal(piece: &WordPiece, out: &mut String) -> Option<()> {
    match piece {
        WordPiece::Text(t) | WordPiece::SingleQuotedText(t) | WordPiece::AnsiCQuotedText(t) => {
            out.push_str(t);
        }
        WordPiece::EscapeSequence(e) => out.push_str(e.strip_prefix('\\').unwrap_or(e)),
        WordPiece::DoubleQuotedSequence(inner) | WordPiece::GettextDoubleQuotedSequence(inner) => {
            for p in inner {
                push_literal(&p.piece, out)?;
            }
        }
        WordPiece::TildeExpansion(word::TildeExpr::Home) => out.push('~'),
        _ => return None,
    }
    Some(())
}

fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

impl Walker {
    fn list(&mut self, list: &ast::CompoundList, cwd: &mut Option<String>) {
        for ast::CompoundListItem(and_or, _) in &list.0 {
            self.pipeline(&and_or.first, cwd);
            for next in &and_or.additional {
                let (ast::AndOr::And(p) | ast::AndOr::Or(p)) = next;
                self.pipeline(p, cwd);
            }
        }
    }

    fn pipeline(&mut self, p: &ast::Pipeline, cwd: &mut Option<String>) {
        if p.seq.len() > 1 {
            // Each stage runs in a subshell: a `cd` there does not last.
            for c in &p.seq {
                let mut inner = cwd.clone();
                self.command(c, &mut inner);
            }
        } else if let Some(c) = p.seq.first() {
            self.command(c, cwd);
        }
    }

    fn command(&mut self, c: &ast::Command, cwd: &mut Option<String>) {
        match c {
            ast::Command::Simple(s) => self.simple(s, cwd),
            ast::Command::Compound(compound, redirects) => {
                if let Some(r) = redirects {
                    for io in &r.0 {
                        self.redirect(io, cwd, "compound command");
                    }
                }
                self.compound(compound, cwd);
            }
            ast::Command::Function(f) => {
                // Defining a function runs nothing; its body is judged where it is called,
                // which this walker does not follow.
                self.out
                    .unknown
                    .push(format!("function {} (body not followed)", f.fname.value));
            }
            ast::Command::ExtendedTest(..) => {}
        }
    }

    fn compound(&mut self, c: &ast::CompoundCommand, cwd: &mut Option<String>) {
        match c {
            ast::CompoundCommand::Subshell(s) => {
                let mut inner = cwd.clone();
                self.list(&s.list, &mut inner);
            }
            ast::CompoundCommand::BraceGroup(b) => self.list(&b.list, cwd),
            ast::CompoundCommand::ForClause(f) => {
                // The loop body runs with unknown values of the variable; once is enough.
                let mut inner = cwd.clone();
                self.list(&f.body.list, &mut inner);
            }
            ast::CompoundCommand::IfClause(i) => {
                self.list(&i.condition, cwd);
                let mut inner = cwd.clone();
                self.list(&i.then, &mut inner);
                for e in i.elses.iter().flatten() {
                    let mut inner = cwd.clone();
                    if let Some(cond) = &e.condition {
                        self.list(cond, &mut inner);
                    }
                    self.list(&e.body, &mut inner);
                }
            }
            ast::CompoundCommand::WhileClause(w) | ast::CompoundCommand::UntilClause(w) => {
                let mut inner = cwd.clone();
                self.list(&w.0, &mut inner);
                self.list(&w.1.list, &mut inner);
            }
            ast::CompoundCommand::CaseClause(c) => {
                for item in &c.cases {
                    if let Some(cmd) = &item.cmd {
                        let mut inner = cwd.clone();
                        self.list(cmd, &mut inner);
                    }
                }
            }
            ast::CompoundCommand::Arithmetic(_) | ast::CompoundCommand::ArithmeticForClause(_) => {}
            ast::CompoundCommand::Coprocess(c) => {
                let mut inner = cwd.clone();
                self.command(&c.body, &mut inner);
            }
        }
    }

    fn touch(&mut self, cwd: &Option<String>, raw: &str, effect: Effect, evidence: &str) {
        if raw.is_empty() || raw.starts_with("/dev/") || raw == "-" {
            return;
        }
        let (raw, effect) = if is_glob(raw) {
            // A glob stands for the folder it lists.
            let prefix: Vec<&str> = raw.split('/').take_while(|seg| !is_glob(seg)).collect();
            let dir = if prefix.is_empty() {
                ".".to_owned()
            } else {
                prefix.join("/")
            };
            let dir = if dir.is_empty() { "/".to_owned() } else { dir };
            let effect = match effect {
                Effect::Read | Effect::ReadTree => Effect::ReadTree,
                _ => Effect::Modify,
            };
            (dir, effect)
        } else {
            (raw.to_owned(), effect)
        };
        if !raw.starts_with('/') && !raw.starts_with('~') {
            self.out.uses_relative_paths = true;
        }
        let path = resolve(cwd.as_deref(), &raw);
        let evidence = evidence.chars().take(160).collect();
        let t = Touch {
            path,
            effect,
            evidence,
        };
        if !self
            .out
            .touches
            .iter()
            .any(|o| o.path == t.path && o.effect == t.effect)
        {
            self.out.touches.push(t);
        }
    }

    fn redirect(&mut self, io: &ast::IoRedirect, cwd: &Option<String>, what: &str) {
        let (target, effect) = match io {
            ast::IoRedirect::File(_, kind, ast::IoFileRedirectTarget::Filename(w)) => {
                let effect = match kind {
                    ast::IoFileRedirectKind::Read => Effect::Read,
                    ast::IoFileRedirectKind::Write | ast::IoFileRedirectKind::Clobber => {
                        Effect::Write
                    }
                    ast::IoFileRedirectKind::Append | ast::IoFileRedirectKind::ReadAndWrite => {
                        Effect::Modify
                    }
                    _ => return,
                };
                (w, effect)
            }
            ast::IoRedirect::OutputAndError(w, append) => (
                w,
                if *append {
                    Effect::Modify
                } else {
                    Effect::Write
                },
            ),
            _ => return,
        };
        let op = match effect {
            Effect::Read => "<",
            Effect::Modify => ">>",
            _ => ">",
        };
        match literal(&self.options, target) {
            Some(path) => {
                let evidence = format!("{what} {op} {path}");
                self.touch(cwd, &path, effect, &evidence);
            }
            None => self.out.unknown.push(format!(
                "redirection {op} {} (not a literal path)",
                target.value
            )),
        }
    }

    fn simple(&mut self, s: &ast::SimpleCommand, cwd: &mut Option<String>) {
        let mut words: Vec<&ast::Word> = Vec::new();
        let mut redirects = Vec::new();
        let mut heredoc: Option<String> = None;
        let mut take = |item: &'_ ast::CommandPrefixOrSuffixItem| match item {
            ast::CommandPrefixOrSuffixItem::IoRedirect(io) => {
                if let ast::IoRedirect::HereDocument(_, doc) = io {
                    heredoc = Some(doc.doc.value.clone());
                }
                redirects.push(io.clone());
                None
            }
            ast::CommandPrefixOrSuffixItem::Word(w) => Some(w.clone()),
            _ => None,
        };
        let mut owned: Vec<ast::Word> = Vec::new();
        for item in s.prefix.iter().flat_map(|p| p.0.iter()) {
            owned.extend(take(item));
        }
        owned.extend(s.word_or_name.iter().cloned());
        for item in s.suffix.iter().flat_map(|p| p.0.iter()) {
            owned.extend(take(item));
        }
        words.extend(owned.iter());
        let literal_words: Vec<Option<String>> =
            words.iter().map(|w| literal(&self.options, w)).collect();
        let text = words
            .iter()
            .map(|w| w.value.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        // Redirections first: they apply whatever the command is.
        let program = literal_words.first().cloned().flatten();
        let label = program.clone().unwrap_or_else(|| "command".into());
        for io in &redirects {
            self.redirect(io, cwd, &label);
        }
        let Some(program) = program else {
            if !words.is_empty() {
                self.out
                    .unknown
                    .push(format!("`{text}` (command name is not literal)"));
            }
            return;
        };
        let args: Vec<Option<String>> = literal_words.into_iter().skip(1).collect();
        super::verbs::apply(self, &program, &args, cwd, &text, heredoc.as_deref());
    }
}

/// What the verb table needs from the walker.
pub(super) trait Sink {
    fn touch_path(&mut self, cwd: &Option<String>, path: &str, effect: Effect, evidence: &str);
    fn unknown(&mut self, what: String);
}

impl Sink for Walker {
    fn touch_path(&mut self, cwd: &Option<String>, path: &str, effect: Effect, evidence: &str) {
        self.touch(cwd, path, effect, evidence);
    }
    fn unknown(&mut self, what: String) {
        if !self.out.unknown.contains(&what) {
            self.out.unknown.push(what);
        }
    }
}
