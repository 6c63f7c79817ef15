//! The user's tool catalog (`fanout.toml`): per tool, its access mode and the resources it
//! touches, as templates over argument names. Parsed from text here; reading the file is the
//! caller's job. Declarations add to what the trace shows; an entry with `replace = true`
//! replaces every heuristic for its tool (only explicit span attributes are stronger). The
//! format is documented in `docs/catalog.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::types::AccessMode;

/// Declared tools, by tool name. Empty by default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Catalog {
    pub tools: BTreeMap<String, ToolSpec>,
    /// Entries that parse but probably do not say what was meant, for the user to read.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// One declared tool.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ToolSpec {
    /// Mode applied to `resources` (default `read`); with no templates at all, the mode of
    /// every access inferred from the trace for this tool.
    pub mode: Option<AccessMode>,
    /// The declarations replace what is inferred from the trace instead of adding to it.
    #[serde(default)]
    pub replace: bool,
    /// Templates touched with `mode`, e.g. `account:{account_id}`.
    pub resources: Vec<String>,
    pub reads: Vec<String>,
    pub writes: Vec<String>,
    /// Templates of resources the tool brings into existence (a record, a session, a lock).
    pub creates: Vec<String>,
    pub idempotent: Option<bool>,
    pub atomic: Option<bool>,
}

/// Why a catalog could not be read; the message names the offending key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fanout.toml: {key}: {message}")]
pub struct CatalogError {
    /// Dotted key path, e.g. `tools.deposit.mode`; `<document>` for syntax errors.
    pub key: String,
    pub message: String,
}

fn err(key: impl Into<String>, message: impl Into<String>) -> CatalogError {
    CatalogError {
        key: key.into(),
        message: message.into(),
    }
}

impl Catalog {
    /// Parses a `fanout.toml` document.
    pub fn from_toml(text: &str) -> Result<Catalog, CatalogError> {
        let doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| err("<document>", e.message().to_owned()))?;
        let mut catalog = Catalog::default();
        for (key, value) in &doc {
            if key != "tools" {
                return Err(err(key, "unknown top-level key (expected `tools`)"));
            }
            let toml::Value::Table(tools) = value else {
                return Err(err("tools", "must be a table of tools: [tools.<name>]"));
            };
            for (name, spec) in tools {
                let path = format!("tools.{name}");
                let toml::Value::Table(spec) = spec else {
                    return Err(err(path, "must be a table"));
                };
                let tool = parse_tool(&path, spec)?;
                if tool.replace && tool.declares_nothing() {
                    catalog.warnings.push(format!(
                        "{path}: replace = true with no resources, reads, writes or creates: {name} is taken to touch nothing"
                    ));
                }
                catalog.tools.insert(name.clone(), tool);
            }
        }
        Ok(catalog)
    }

    /// The entry of tool `name`, if declared.
    pub fn tool(&self, name: &str) -> Option<&ToolSpec> {
        self.tools.get(name)
    }

    pub fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }
}

impl ToolSpec {
    /// No resource template of any kind.
    pub fn declares_nothing(&self) -> bool {
        self.resources.is_empty()
            && self.reads.is_empty()
            && self.writes.is_empty()
            && self.creates.is_empty()
    }

    /// The mode to give every access inferred from the trace: set when the entry names a mode
    /// but no resource.
    pub fn mode_for_inferred(&self) -> Option<AccessMode> {
        self.mode.filter(|_| self.declares_nothing())
    }
}

fn parse_tool(path: &str, spec: &toml::Table) -> Result<ToolSpec, CatalogError> {
    let mut out = ToolSpec::default();
    for (key, value) in spec {
        let at = format!("{path}.{key}");
        match key.as_str() {
            "mode" => {
                let s = value.as_str().ok_or_else(|| err(&at, "must be a string"))?;
                out.mode = Some(parse_mode(s).ok_or_else(|| err(&at, format!("unknown mode '{s}' (expected read, write or read_write)")))?);
            }
            "resources" => out.resources = templates(&at, value)?,
            "reads" => out.reads = templates(&at, value)?,
            "writes" => out.writes = templates(&at, value)?,
            "creates" => out.creates = templates(&at, value)?,
            "replace" => out.replace = value.as_bool().ok_or_else(|| err(&at, "must be true or false"))?,
            "idempotent" => out.idempotent = Some(value.as_bool().ok_or_else(|| err(&at, "must be true or false"))?),
            "atomic" => out.atomic = Some(value.as_bool().ok_or_else(|| err(&at, "must be true or false"))?),
            _ => return Err(err(&at, "unknown key (expected mode, resources, reads, writes, creates, replace, idempotent, atomic)")),
        }
    }
    if !out.resources.is_empty() && out.mode.is_none() {
        out.mode = Some(AccessMode::Read);
    }
    Ok(out)
}

/// The three documented spellings only: a near miss is an error, not a guess.
fn parse_mode(s: &str) -> Option<AccessMode> {
    match s {
        "read" => Some(AccessMode::Read),
        "write" => Some(AccessMode::Write),
        "read_write" => Some(AccessMode::ReadWrite),
        _ => None,
    }
}

fn templates(at: &str, value: &toml::Value) -> Result<Vec<String>, CatalogError> {
    let items: Vec<&toml::Value> = match value {
        toml::Value::String(_) => vec![value],
        toml::Value::Array(a) => a.iter().collect(),
        _ => return Err(err(at, "must be a string or an array of strings")),
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let s = v
                .as_str()
                .ok_or_else(|| err(format!("{at}[{i}]"), "must be a string"))?;
            check_template(s).map_err(|m| err(format!("{at}[{i}]"), m))?;
            Ok(s.to_owned())
        })
        .collect()
}

fn check_template(t: &str) -> Result<(), String> {
    if !t.contains(':') {
        return Err(format!(
            "'{t}' must look like <kind>:<key>, e.g. account:{{account_id}}"
        ));
    }
    let mut depth = 0i32;
    for c in t.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if !(0..=1).contains(&depth) {
            return Err(format!("'{t}' has unbalanced braces"));
        }
    }
    if depth != 0 {
        return Err(format!("'{t}' has unbalanced braces"));
    }
    Ok(())
}

/// Fills a template from a call's arguments: `{name}` takes the argument `name` (dotted paths
/// reach into objects). `None` when an argument is missing, so the resource is not invented.
pub fn expand_template(template: &str, args: Option<&Value>) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}')? + open;
        let name = rest[open + 1..close].trim();
        let mut v = args?;
        for part in name.split('.') {
            v = v.get(part)?;
        }
        let text = match v {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return None,
        };
        if text.is_empty() {
            return None;
        }
        out.push_str(&text);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Some(out.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_catalog_declares_modes_and_templates() {
        let c = Catalog::from_toml(
            r#"
            [tools.deposit]
            mode = "read_write"
            resources = ["account:{account_id}"]
            idempotent = false

            [tools.create_order]
            mode = "write"
            creates = "order:{order_id}"
            "#,
        )
        .unwrap();
        let d = c.tool("deposit").unwrap();
        assert_eq!(d.mode, Some(AccessMode::ReadWrite));
        assert_eq!(d.idempotent, Some(false));
        assert_eq!(
            c.tool("create_order").unwrap().creates,
            vec!["order:{order_id}".to_owned()]
        );
        assert_eq!(
            expand_template(
                "account:{account_id}",
                Some(&json!({"account_id": "ACC-1"}))
            )
            .as_deref(),
            Some("account:acc-1")
        );
        assert_eq!(
            expand_template("account:{account_id}", Some(&json!({}))),
            None
        );
        assert_eq!(
            expand_template("row:{a.b}/{n}", Some(&json!({"a": {"b": "X"}, "n": 3}))).as_deref(),
            Some("row:x/3")
        );
    }

    #[test]
    fn errors_name_the_key() {
        let e = Catalog::from_toml("[tools.deposit]\nmode = \"rw-x\"\n").unwrap_err();
        assert_eq!(e.key, "tools.deposit.mode");
        let e = Catalog::from_toml("[tools.deposit]\nresources = [\"account:{id\"]\n").unwrap_err();
        assert_eq!(e.key, "tools.deposit.resources[0]");
        let e = Catalog::from_toml("[tools.x]\nmodes = \"read\"\n").unwrap_err();
        assert_eq!(e.key, "tools.x.modes");
        let e = Catalog::from_toml("[tools\n").unwrap_err();
        assert_eq!(e.key, "<document>");
        assert!(e.to_string().contains("fanout.toml"));
    }

    #[test]
    fn the_documented_example_parses() {
        let doc = include_str!("../../docs/catalog.md");
        let example = doc
            .split("## Example")
            .nth(1)
            .and_then(|s| s.split("```toml").nth(1))
            .and_then(|s| s.split("```").next())
            .unwrap();
        let c = Catalog::from_toml(example).unwrap();
        assert_eq!(c.tools.len(), 7);
        let line = c.tool("add_order_line").unwrap();
        assert_eq!(
            (line.mode, line.reads.len()),
            (Some(AccessMode::ReadWrite), 1)
        );
    }
}
