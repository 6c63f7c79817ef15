use serde_json::json;

use super::*;
use crate::analysis::test_support::{empty_trace, run};

fn infer(name: &str, args: Value, result: Value) -> CallResources {
    let r = run(vec![vec![("c1", name, args, result, Some((0, 10)))]], None);
    let t = empty_trace();
    infer_call(
        &SpanIndex::new(&t),
        &r,
        &Catalog::default(),
        &r.tool_calls[0],
    )
}

fn modes(c: &CallResources) -> Vec<(String, AccessMode)> {
    c.accesses
        .iter()
        .map(|a| (a.resource.clone(), a.mode))
        .collect()
}

#[test]
fn a_deposit_with_before_and_after_balances_is_a_read_modify_write_of_the_account() {
    let c = infer(
        "deposit",
        json!({"account_id": "ACC-1001", "amount": 10}),
        json!({"previous_balance": 100, "new_balance": 110}),
    );
    assert_eq!(
        modes(&c),
        vec![("account:acc-1001".to_owned(), AccessMode::ReadWrite)]
    );
    assert_eq!(c.accesses[0].source, EvidenceSource::Argument);
    assert_eq!(c.accesses[0].confidence, Confidence::High);
    assert!(
        c.accesses[0].evidence.contains("previous")
            || c.accesses[0].evidence.contains("balance: 100 -> 110")
    );
}

#[test]
fn lookups_read_and_references_are_reads() {
    let c = infer(
        "get_customer",
        json!({"customer_id": "CUST-7"}),
        json!({"name": "Jun"}),
    );
    assert_eq!(
        modes(&c),
        vec![("customer:cust-7".to_owned(), AccessMode::Read)]
    );
    let c = infer(
        "create_order",
        json!({"order_id": "ORD-9", "customer_id": "C-42"}),
        json!({"created": true}),
    );
    let mut m = modes(&c);
    m.sort();
    assert_eq!(
        m,
        vec![
            ("customer:c-42".to_owned(), AccessMode::Read),
            ("order:ord-9".to_owned(), AccessMode::Write)
        ]
    );
    assert!(c.creates.contains("order:ord-9"));
}

#[test]
fn adding_a_line_writes_a_part_of_the_order_and_needs_the_order() {
    let c = infer(
        "add_order_line",
        json!({"order_id": "ORD-9", "sku": "W-9", "qty": 2}),
        json!({"status": "added"}),
    );
    let m = modes(&c);
    assert!(
        m.contains(&("order:ord-9/line".to_owned(), AccessMode::Write)),
        "{m:?}"
    );
    assert!(m.contains(&("order:ord-9".to_owned(), AccessMode::Read)));
    assert!(c.requires.contains("order:ord-9"));
}

#[test]
fn a_session_key_is_scoped_by_its_session() {
    let c = infer(
        "set_preference",
        json!({"session_id": "S1", "key": "currency", "value": "EUR"}),
        json!({"ok": true}),
    );
    assert_eq!(
        modes(&c),
        vec![("session:s1/currency".to_owned(), AccessMode::Write)]
    );
    let c = infer(
        "quote_cart",
        json!({"session_id": "S1"}),
        json!({"total": 5}),
    );
    assert_eq!(modes(&c), vec![("session:s1".to_owned(), AccessMode::Read)]);
}

#[test]
fn files_urls_and_sql_are_read_from_arguments() {
    let c = infer("read_file", json!({"path": "docs/./a.md"}), json!({}));
    assert_eq!(
        modes(&c),
        vec![("file:docs/a.md".to_owned(), AccessMode::Read)]
    );
    let c = infer(
        "http_request",
        json!({"url": "https://api.x.io/v1/a/", "method": "DELETE"}),
        json!({}),
    );
    assert_eq!(
        modes(&c),
        vec![("url:api.x.io/v1/a".to_owned(), AccessMode::Write)]
    );
    let c = infer(
        "run_sql",
        json!({"sql": "SELECT * FROM accounts WHERE id = 'A1'"}),
        json!([]),
    );
    assert_eq!(modes(&c), vec![("account:a1".to_owned(), AccessMode::Read)]);
}

#[test]
fn a_bare_string_argument_takes_the_name_of_the_only_parameter() {
    let mut r = run(
        vec![vec![(
            "c1",
            "get_balance",
            json!("acct_1001"),
            json!({"balance": 5}),
            Some((0, 1)),
        )]],
        None,
    );
    r.tool_definitions.push(ToolDefinition {
        name: "get_balance".into(),
        description: None,
        parameters: Some(json!({"properties": {"account_id": {"type": "string"}}})),
        annotations: None,
    });
    let t = empty_trace();
    let c = infer_call(
        &SpanIndex::new(&t),
        &r,
        &Catalog::default(),
        &r.tool_calls[0],
    );
    assert_eq!(
        modes(&c),
        vec![("account:acct_1001".to_owned(), AccessMode::Read)]
    );
}

#[test]
fn mcp_read_only_hint_beats_the_verb() {
    let mut r = run(
        vec![vec![(
            "c1",
            "update_index",
            json!({"index": "docs"}),
            json!({}),
            Some((0, 1)),
        )]],
        None,
    );
    r.tool_definitions.push(ToolDefinition {
        name: "update_index".into(),
        description: None,
        parameters: None,
        annotations: Some(json!({"readOnlyHint": true})),
    });
    let t = empty_trace();
    let c = infer_call(
        &SpanIndex::new(&t),
        &r,
        &Catalog::default(),
        &r.tool_calls[0],
    );
    assert_eq!(modes(&c), vec![("index:docs".to_owned(), AccessMode::Read)]);
}

#[test]
fn a_replacing_catalog_entry_overrides_heuristics() {
    let r = run(
        vec![vec![(
            "c1",
            "deposit",
            json!({"account_id": "ACC-1"}),
            json!({}),
            Some((0, 1)),
        )]],
        None,
    );
    let cat = Catalog::from_toml(
        "[tools.deposit]\nmode = \"read_write\"\nresources = [\"ledger:{account_id}\"]\nreplace = true\n",
    )
    .unwrap();
    let t = empty_trace();
    let c = infer_call(&SpanIndex::new(&t), &r, &cat, &r.tool_calls[0]);
    assert_eq!(
        modes(&c),
        vec![("ledger:acc-1".to_owned(), AccessMode::ReadWrite)]
    );
    assert_eq!(c.accesses[0].source, EvidenceSource::Catalog);
}

#[test]
fn a_lookup_of_an_id_produces_it() {
    let c = infer(
        "get_customer_id",
        json!({"email": "j@x.io"}),
        json!({"customer_id": "C1"}),
    );
    assert_eq!(c.produces, vec!["customer".to_owned()]);
    let c = infer(
        "get_recent_orders",
        json!({"limit": 5}),
        json!({"customer_id": "C0", "orders": []}),
    );
    assert_eq!(
        c.implicit
            .iter()
            .map(|i| i.noun.as_str())
            .collect::<Vec<_>>(),
        ["customer"]
    );
}

fn span_with(
    id: u8,
    parent: Option<u8>,
    name: &str,
    attrs: Vec<crate::model::KeyValue>,
    events: Vec<crate::model::SpanEvent>,
) -> Span {
    Span {
        trace_id: crate::model::TraceId([7; 16]),
        span_id: SpanId([id; 8]),
        parent_span_id: parent.map(|p| SpanId([p; 8])),
        trace_state: String::new(),
        flags: 0,
        name: name.into(),
        kind: crate::model::SpanKind::Internal,
        start_unix_nano: 1,
        end_unix_nano: 2,
        attributes: attrs,
        dropped_attributes_count: 0,
        events,
        dropped_events_count: 0,
        links: Vec::new(),
        dropped_links_count: 0,
        status: crate::model::Status::default(),
        resource: Default::default(),
        scope: Default::default(),
    }
}

fn kv(k: &str, v: crate::model::AnyValue) -> crate::model::KeyValue {
    crate::model::KeyValue::new(k, v)
}

fn strs(items: &[&str]) -> crate::model::AnyValue {
    crate::model::AnyValue::Array(
        items
            .iter()
            .map(|s| crate::model::AnyValue::String((*s).into()))
            .collect(),
    )
}

#[test]
fn span_declarations_win_and_an_empty_array_declares_nothing() {
    use crate::model::AnyValue;
    let mut r = run(
        vec![vec![(
            "c1",
            "get_balance",
            json!({"account_id": "A-1"}),
            json!({"balance": 5}),
            Some((0, 1)),
        )]],
        None,
    );
    r.tool_calls[0].span_id = Some(SpanId([1; 8]));
    let tool = span_with(
        1,
        None,
        "execute_tool get_balance",
        vec![
            kv("app.resource.read", strs(&["file:db/accounts/a-1.json"])),
            kv("app.resource.write", strs(&[])),
        ],
        Vec::new(),
    );
    let t = Trace::new(r.trace_id, vec![tool]);
    let c = infer_call(
        &SpanIndex::new(&t),
        &r,
        &Catalog::default(),
        &r.tool_calls[0],
    );
    assert_eq!(
        modes(&c),
        vec![("file:db/accounts/a-1.json".to_owned(), AccessMode::Read)]
    );
    assert_eq!(c.accesses[0].source, EvidenceSource::SpanAttribute);

    // Access events, and a declared-empty read list that silences the verb's read.
    let ev = |name: &str, uri: &str| crate::model::SpanEvent {
        time_unix_nano: 1,
        name: name.into(),
        attributes: vec![kv("app.resource.uri", AnyValue::String(uri.into()))],
        dropped_attributes_count: 0,
    };
    let tool = span_with(
        1,
        None,
        "t",
        vec![kv("fanout.resource.reads", strs(&[]))],
        vec![ev("app.resource.write", "sqlite://shop.db/accounts/A-1")],
    );
    let t = Trace::new(r.trace_id, vec![tool]);
    let c = infer_call(
        &SpanIndex::new(&t),
        &r,
        &Catalog::default(),
        &r.tool_calls[0],
    );
    assert_eq!(
        modes(&c),
        vec![(
            "sqlite://shop.db/accounts/a-1".to_owned(),
            AccessMode::Write
        )]
    );
    assert_eq!(c.accesses[0].source, EvidenceSource::SpanEvent);
}

#[test]
fn child_spans_show_http_db_and_file_accesses() {
    use crate::model::AnyValue;
    let mut r = run(
        vec![vec![(
            "c1",
            "sync_things",
            json!({}),
            json!({}),
            Some((0, 1)),
        )]],
        None,
    );
    r.tool_calls[0].span_id = Some(SpanId([1; 8]));
    let spans = vec![
        span_with(1, None, "execute_tool sync_things", Vec::new(), Vec::new()),
        span_with(
            2,
            Some(1),
            "POST",
            vec![
                kv(
                    "url.full",
                    AnyValue::String("https://api.x.io/v1/orders".into()),
                ),
                kv("http.request.method", AnyValue::String("POST".into())),
            ],
            Vec::new(),
        ),
        span_with(
            3,
            Some(2),
            "UPDATE",
            vec![kv(
                "db.query.text",
                AnyValue::String("UPDATE accounts SET b = 1 WHERE id = 'A-1'".into()),
            )],
            Vec::new(),
        ),
        span_with(
            4,
            Some(1),
            "read",
            vec![kv("file.path", AnyValue::String("/tmp/x.txt".into()))],
            Vec::new(),
        ),
    ];
    let t = Trace::new(r.trace_id, spans);
    let c = infer_call(
        &SpanIndex::new(&t),
        &r,
        &Catalog::default(),
        &r.tool_calls[0],
    );
    let m = modes(&c);
    assert!(
        m.contains(&("url:api.x.io/v1/orders".to_owned(), AccessMode::Write)),
        "{m:?}"
    );
    assert!(
        m.contains(&("account:a-1".to_owned(), AccessMode::ReadWrite)),
        "{m:?}"
    );
    assert!(
        m.contains(&("file:/tmp/x.txt".to_owned(), AccessMode::Read)),
        "{m:?}"
    );
    assert!(
        c.accesses
            .iter()
            .all(|a| a.source == EvidenceSource::ChildSpan),
        "{:?}",
        c.accesses
    );
}

#[test]
fn an_operation_argument_beats_the_name() {
    let c = infer(
        "str_replace_editor",
        json!({"command": "view", "path": "src/a.rs"}),
        json!("..."),
    );
    assert_eq!(
        modes(&c),
        vec![("file:src/a.rs".to_owned(), AccessMode::Read)]
    );
    let c = infer(
        "str_replace_editor",
        json!({"command": "str_replace", "path": "src/a.rs", "old_str": "a", "new_str": "b"}),
        json!("ok"),
    );
    assert_eq!(
        modes(&c),
        vec![("file:src/a.rs".to_owned(), AccessMode::Write)]
    );
    let c = infer(
        "files",
        json!({"action": "delete", "path": "tmp/x"}),
        json!("ok"),
    );
    assert_eq!(
        modes(&c),
        vec![("file:tmp/x".to_owned(), AccessMode::Write)]
    );
}

/// The deposit call of the catalog tests: a lost-update shape the heuristics see.
fn deposit_with(catalog: &str) -> CallResources {
    let r = run(
        vec![vec![(
            "c1",
            "deposit",
            json!({"account_id": "ACC-1", "amount": 10}),
            json!({"previous_balance": 100, "new_balance": 110}),
            Some((0, 1)),
        )]],
        None,
    );
    let cat = Catalog::from_toml(catalog).unwrap();
    let t = empty_trace();
    infer_call(&SpanIndex::new(&t), &r, &cat, &r.tool_calls[0])
}

#[test]
fn a_catalog_entry_adds_to_what_the_trace_shows_unless_it_replaces_it() {
    let inferred = modes(&deposit_with(""));
    assert!(
        inferred
            .iter()
            .any(|(r, m)| r == "account:acc-1" && m.writes()),
        "{inferred:?}"
    );
    let added = modes(&deposit_with(
        "[tools.deposit]\nwrites = [\"audit_log:{account_id}\"]\n",
    ));
    assert!(added.contains(&("audit_log:acc-1".to_owned(), AccessMode::Write)));
    assert!(
        added.iter().any(|(r, _)| r == "account:acc-1"),
        "the inferred account stays: {added:?}"
    );
    let replaced = modes(&deposit_with(
        "[tools.deposit]\nwrites = [\"audit_log:{account_id}\"]\nreplace = true\n",
    ));
    assert_eq!(
        replaced,
        vec![("audit_log:acc-1".to_owned(), AccessMode::Write)]
    );
}

#[test]
fn a_mode_without_resources_sets_the_mode_of_what_was_inferred() {
    // Declaring the mode alone used to remove every inferred access (and the lost update).
    let c = deposit_with("[tools.deposit]\nmode = \"read_write\"\n");
    let account = c
        .accesses
        .iter()
        .find(|a| a.resource == "account:acc-1")
        .expect("the account is still touched");
    assert_eq!(account.mode, AccessMode::ReadWrite);
    assert!(
        account.evidence.contains("catalog: deposit read_write"),
        "{}",
        account.evidence
    );
}

#[test]
fn catalogs_that_say_nothing_warn_and_unknown_mode_spellings_are_refused() {
    let cat = Catalog::from_toml("[tools.deposit]\nreplace = true\n").unwrap();
    assert_eq!(cat.warnings.len(), 1, "{:?}", cat.warnings);
    assert!(cat.warnings[0].contains("touch nothing"));
    assert!(deposit_with("[tools.deposit]\nreplace = true\n")
        .accesses
        .is_empty());
    for bad in ["rw", "Read", "read-write", "readonly"] {
        let e = Catalog::from_toml(&format!("[tools.x]\nmode = \"{bad}\"\n")).unwrap_err();
        assert_eq!(e.key, "tools.x.mode", "{bad}");
    }
}
