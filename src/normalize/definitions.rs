//! Collects the tool definitions offered to the model, wherever a convention records them:
//! `gen_ai.tool.definitions`, OpenInference `llm.tools.{i}.tool.json_schema`, Vercel
//! `ai.prompt.tools`, Pydantic AI `model_request_parameters.function_tools`, OpenLLMetry
//! `llm.request.functions.{i}.*`. Each tool once (first definition wins), in order found.

use serde_json::Value;

use super::record::{json_attr, parse_loose, unflatten};
use crate::model::{Span, ToolDefinition};

/// Adds the definitions `span` records to `out`, skipping names already present.
pub fn collect(span: &Span, out: &mut Vec<ToolDefinition>) {
    let mut found: Vec<Value> = Vec::new();
    for key in [
        "gen_ai.tool.definitions",
        "ai.prompt.tools",
        "llm.request.functions",
    ] {
        if let Some(Value::Array(items)) = json_attr(span, key) {
            found.extend(items);
        }
    }
    if let Some(Value::Array(items)) = unflatten(span, "llm.tools") {
        found.extend(
            items
                .iter()
                .filter_map(|t| t.get("tool").and_then(|t| t.get("json_schema")).cloned()),
        );
    }
    if let Some(Value::Array(items)) = unflatten(span, "llm.request.functions") {
        found.extend(items);
    }
    if let Some(Value::Array(items)) =
        json_attr(span, "model_request_parameters").and_then(|m| m.get("function_tools").cloned())
    {
        found.extend(items);
    }
    for v in found {
        if let Some(def) = definition(&parse_loose(&v)) {
            if !out.iter().any(|d| d.name == def.name) {
                out.push(def);
            }
        }
    }
}

fn definition(v: &Value) -> Option<ToolDefinition> {
    let f = v.get("function").filter(|f| f.is_object()).unwrap_or(v);
    let name = f.get("name").and_then(Value::as_str)?.trim().to_owned();
    if name.is_empty() {
        return None;
    }
    let description = f
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let parameters = [
        "parameters",
        "inputSchema",
        "input_schema",
        "parameters_json_schema",
        "json_schema",
    ]
    .iter()
    .find_map(|k| f.get(*k))
    .map(parse_loose);
    let annotations = f
        .get("annotations")
        .or_else(|| v.get("annotations"))
        .cloned();
    Some(ToolDefinition {
        name,
        description,
        parameters,
        annotations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn definitions_in_every_shape() {
        let a = definition(&json!({"type":"function","name":"a","parameters":{"type":"object"}}))
            .unwrap();
        assert_eq!(a.parameters, Some(json!({"type":"object"})));
        let b = definition(&json!({"type":"function","function":{"name":"b","description":"d"}}))
            .unwrap();
        assert_eq!(b.description.as_deref(), Some("d"));
        let c = definition(&parse_loose(&json!(
            "{\"type\":\"function\",\"name\":\"c\",\"inputSchema\":{\"x\":1}}"
        )))
        .unwrap();
        assert_eq!(c.parameters, Some(json!({"x":1})));
        assert!(definition(&json!({"description":"nameless"})).is_none());
    }
}
