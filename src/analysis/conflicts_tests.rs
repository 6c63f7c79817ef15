use serde_json::json;

use crate::analysis::test_support::{empty_trace, run, CallSpec};
use crate::analysis::{analyze, Analysis, Catalog, FindingKind, Severity};
use crate::model::Run;

fn analyse(batches: Vec<Vec<CallSpec<'_>>>, answer: &str) -> (Run, Analysis) {
    let r = run(batches, Some(answer));
    let a = analyze(&empty_trace(), &r, &Catalog::default());
    (r, a)
}

fn ids(r: &Run, calls: &[usize]) -> Vec<String> {
    let mut v: Vec<String> = calls
        .iter()
        .map(|&c| r.tool_calls[c].display_id())
        .collect();
    v.sort();
    v
}

fn deposit(id: &str, amount: i64, prev: i64, t: Option<(u64, u64)>) -> CallSpec<'_> {
    (
        id,
        "deposit",
        json!({"account_id": "ACC-1001", "amount": amount}),
        json!({"account_id": "ACC-1001", "previous_balance": prev, "new_balance": prev + amount}),
        t,
    )
}

#[test]
fn two_overlapping_deposits_that_read_the_same_balance_are_an_observed_lost_update() {
    let (r, a) = analyse(
        vec![vec![
            deposit("d1", 10, 100, Some((0, 150))),
            deposit("d2", 20, 100, Some((1, 300))),
        ]],
        "The new balance is $120.",
    );
    assert_eq!(a.findings.len(), 1, "{:#?}", a.findings);
    let f = &a.findings[0];
    assert_eq!(
        (f.kind, f.severity, f.resource.as_str()),
        (
            FindingKind::SharedStateMutation,
            Severity::Observed,
            "account:acc-1001"
        )
    );
    assert_eq!(ids(&r, &f.calls), ["d1", "d2"]);
    assert!(
        f.explanation.contains("both read balance 100"),
        "{}",
        f.explanation
    );
    assert!(f.explanation.contains("+10"), "{}", f.explanation);
    assert!(
        f.signals.iter().any(|s| s.contains("previous balance=100")),
        "{:?}",
        f.signals
    );
    assert_eq!(a.suspects.first(), Some(&0));
}

#[test]
fn the_same_deposits_in_separate_turns_are_clean() {
    let (_, a) = analyse(
        vec![
            vec![deposit("d1", 10, 100, Some((0, 150)))],
            vec![deposit("d2", 20, 110, Some((200, 300)))],
        ],
        "The new balance is $130.",
    );
    assert!(a.findings.is_empty(), "{:#?}", a.findings);
}

#[test]
fn a_read_only_batch_yields_nothing() {
    let (_, a) = analyse(
        vec![vec![
            (
                "o",
                "get_order",
                json!({"order_id": "ORD-5531"}),
                json!({"status": "shipped"}),
                Some((0, 100)),
            ),
            (
                "s",
                "check_stock",
                json!({"sku": "SKU-9"}),
                json!({"stock": 40}),
                Some((0, 90)),
            ),
            (
                "c",
                "get_customer",
                json!({"customer_id": "CUST-7"}),
                json!({"tier": "standard"}),
                Some((0, 80)),
            ),
            (
                "o2",
                "lookup_order",
                json!({"order_id": "ORD-5531"}),
                json!({"status": "shipped"}),
                Some((0, 70)),
            ),
        ]],
        "shipped, 40 units, standard",
    );
    assert!(a.findings.is_empty(), "{:#?}", a.findings);
}

#[test]
fn a_setting_written_while_a_sibling_reads_its_session_is_a_context_dependency() {
    let (r, a) = analyse(
        vec![vec![
            (
                "w",
                "set_preference",
                json!({"session_id": "sess_7", "key": "preferred_currency", "value": "EUR"}),
                json!({"ok": true}),
                Some((0, 200)),
            ),
            (
                "q",
                "quote_cart",
                json!({"session_id": "sess_7"}),
                json!({"currency": "USD", "total": 53.98}),
                Some((0, 50)),
            ),
        ]],
        "Your cart comes to €53.98.",
    );
    assert_eq!(a.findings.len(), 1, "{:#?}", a.findings);
    let f = &a.findings[0];
    assert_eq!(
        (f.kind, f.severity, f.resource.as_str()),
        (
            FindingKind::ContextDependency,
            Severity::Observed,
            "session:sess_7/preferred_currency"
        )
    );
    assert_eq!(
        r.tool_calls[f.calls[0]].display_id(),
        "w",
        "the writer goes first"
    );
    // The answer's 53.98 came from quote_cart, in batch 0, which has the finding.
    assert_eq!(a.suspects, vec![0]);
    let why = serde_json::to_string(&a.why).unwrap();
    assert!(why.contains("53.98"), "{why}");
}

#[test]
fn creating_an_order_while_a_sibling_adds_a_line_to_it_is_an_execution_timing_dependency() {
    let (r, a) = analyse(
        vec![vec![
            (
                "c",
                "create_order",
                json!({"order_id": "ORD-9001", "customer_id": "CUST-42"}),
                json!({"created": true, "order": {"id": "ORD-9001", "status": "open"}}),
                Some((0, 250)),
            ),
            (
                "l",
                "add_order_line",
                json!({"order_id": "ORD-9001", "sku": "W-9", "qty": 2}),
                json!({"line_id": 1, "status": "added"}),
                Some((0, 60)),
            ),
        ]],
        "Order ORD-9001 is open.",
    );
    assert_eq!(a.findings.len(), 1, "{:#?}", a.findings);
    let f = &a.findings[0];
    assert_eq!(
        (f.kind, f.severity, f.resource.as_str()),
        (
            FindingKind::ExecutionTimingDependency,
            Severity::Observed,
            "order:ord-9001"
        )
    );
    assert_eq!(
        r.tool_calls[f.calls[0]].display_id(),
        "c",
        "the creator goes first"
    );
    assert!(
        f.explanation
            .contains("started before create_order finished"),
        "{}",
        f.explanation
    );
}

#[test]
fn a_read_beside_a_write_of_the_same_row_is_a_stale_read() {
    let (r, a) = analyse(
        vec![vec![
            (
                "g",
                "get_balance",
                json!({"account_id": "A-1"}),
                json!({"balance": 100}),
                Some((0, 50)),
            ),
            (
                "w",
                "withdraw",
                json!({"account_id": "A-1", "amount": 5}),
                json!({"ok": true}),
                Some((60, 100)),
            ),
            (
                "x",
                "get_weather",
                json!({"city": "Oslo"}),
                json!({"t": 3}),
                Some((0, 30)),
            ),
        ]],
        "Balance 100.",
    );
    assert_eq!(a.findings.len(), 1, "{:#?}", a.findings);
    let f = &a.findings[0];
    assert_eq!(
        (f.kind, f.severity),
        (FindingKind::SharedStateMutation, Severity::Latent)
    );
    assert_eq!(r.tool_calls[f.calls[0]].display_id(), "w");
    assert!(
        f.explanation.starts_with("stale read on account:a-1"),
        "{}",
        f.explanation
    );
}

#[test]
fn a_serialized_batch_only_gets_info() {
    let (_, a) = analyse(
        vec![vec![
            (
                "w1",
                "update_config",
                json!({"path": "config/app.json"}),
                json!({}),
                Some((0, 50)),
            ),
            (
                "w2",
                "update_config",
                json!({"path": "config/app.json"}),
                json!({}),
                Some((60, 100)),
            ),
        ]],
        "done",
    );
    assert_eq!(
        a.findings.iter().map(|f| f.severity).collect::<Vec<_>>(),
        vec![Severity::Info]
    );
}

#[test]
fn an_untimed_transcript_is_latent_unless_results_prove_the_race() {
    let (_, a) = analyse(
        vec![vec![
            (
                "w1",
                "update_config",
                json!({"path": "config/app.json"}),
                json!({}),
                None,
            ),
            (
                "w2",
                "update_config",
                json!({"path": "config/app.json"}),
                json!({}),
                None,
            ),
        ]],
        "done",
    );
    assert_eq!(
        a.findings.iter().map(|f| f.severity).collect::<Vec<_>>(),
        vec![Severity::Latent]
    );
    assert_eq!(a.latency.total_nanos, None);
    let (_, a) = analyse(
        vec![vec![
            deposit("d1", 10, 100, None),
            deposit("d2", 20, 100, None),
        ]],
        "Balance $120",
    );
    assert_eq!(a.findings[0].severity, Severity::Observed);
    assert!(a.findings[0].explanation.contains("both read balance 100"));
}

#[test]
fn a_sibling_that_takes_an_id_from_context_while_another_looks_it_up_is_a_context_dependency() {
    let (_, a) = analyse(
        vec![vec![
            (
                "i",
                "get_customer_id",
                json!({"email": "jane@x.io"}),
                json!({"customer_id": "cus_jane"}),
                Some((0, 80)),
            ),
            (
                "o",
                "get_recent_orders",
                json!({"limit": 3}),
                json!({"customer_id": "cus_bob", "orders": ["o-1"]}),
                Some((0, 40)),
            ),
        ]],
        "Jane's orders: o-1",
    );
    assert_eq!(a.findings.len(), 1, "{:#?}", a.findings);
    assert_eq!(a.findings[0].kind, FindingKind::ContextDependency);
    assert_eq!(a.findings[0].resource, "customer:cus_jane");
}

#[test]
fn two_lines_added_to_one_order_in_parallel_append_and_do_not_conflict() {
    let (_, a) = analyse(
        vec![vec![
            (
                "l1",
                "add_order_line",
                json!({"order_id": "ORD-1", "sku": "A"}),
                json!({"line_id": 1}),
                Some((0, 50)),
            ),
            (
                "l2",
                "add_order_line",
                json!({"order_id": "ORD-2", "sku": "B"}),
                json!({"line_id": 1}),
                Some((0, 60)),
            ),
            (
                "l3",
                "add_order_line",
                json!({"order_id": "ORD-1", "sku": "C"}),
                json!({"line_id": 2}),
                Some((0, 70)),
            ),
        ]],
        "done",
    );
    assert!(a.findings.is_empty(), "{:#?}", a.findings);
}

#[test]
fn a_call_that_never_ran_conflicts_with_nothing() {
    let mut r = run(
        vec![vec![
            deposit("d1", 10, 100, Some((0, 150))),
            deposit("d2", 20, 100, Some((1, 300))),
        ]],
        Some("ok"),
    );
    r.tool_calls[1].status = crate::model::CallStatus::NotExecuted;
    let a = analyze(&empty_trace(), &r, &Catalog::default());
    assert!(a.findings.is_empty(), "{:#?}", a.findings);
}

#[test]
fn a_sibling_given_the_key_another_resolves_into_an_id_depends_on_it() {
    let (r, a) = analyse(
        vec![vec![
            (
                "i",
                "get_customer_id",
                json!({"email": "jane@x.io"}),
                json!({"customer_id": "CUST-48213"}),
                Some((0, 80)),
            ),
            (
                "o",
                "get_recent_orders",
                json!({"customer_id": "jane@x.io", "days": 90}),
                json!({"orders": []}),
                Some((0, 40)),
            ),
        ]],
        "Jane (CUST-48213) has no orders.",
    );
    assert_eq!(a.findings.len(), 1, "{:#?}", a.findings);
    let f = &a.findings[0];
    assert_eq!(
        (f.kind, f.resource.as_str()),
        (FindingKind::ContextDependency, "customer:cust-48213")
    );
    assert_eq!(r.tool_calls[f.calls[0]].display_id(), "i");
}

#[test]
fn adding_to_a_session_a_sibling_creates_is_an_execution_timing_dependency() {
    let mut r = run(
        vec![vec![
            (
                "c",
                "create_session",
                json!({"session_id": "cart-4471", "user_id": "u_1"}),
                json!({"created": true}),
                Some((0, 120)),
            ),
            (
                "a",
                "add_to_session",
                json!({"session_id": "cart-4471", "sku": "BRZ-1"}),
                json!({"error": "SessionNotFoundError"}),
                Some((5, 30)),
            ),
        ]],
        Some("The cart could not be updated."),
    );
    r.tool_calls[1].status = crate::model::CallStatus::Error;
    r.tool_calls[1].error = Some("SessionNotFoundError: cart-4471".into());
    let a = analyze(&empty_trace(), &r, &Catalog::default());
    assert_eq!(a.findings.len(), 1, "{:#?}", a.findings);
    let f = &a.findings[0];
    assert_eq!(
        (f.kind, f.resource.as_str()),
        (FindingKind::ExecutionTimingDependency, "session:cart-4471")
    );
    assert_eq!(r.tool_calls[f.calls[0]].display_id(), "c");
    assert!(
        f.signals.iter().any(|s| s.contains("SessionNotFoundError")),
        "{:?}",
        f.signals
    );
}

#[test]
fn malformed_runs_do_not_panic() {
    let mut r = run(
        vec![vec![
            (
                "a",
                "",
                json!("../../../etc/passwd"),
                json!([1, {"previous_balance": "x", "new_balance": null}]),
                Some((50, 10)),
            ),
            (
                "b",
                "💥_update_ünïcödé",
                json!({"id": "", "path": "", "url": "http://", "sql": "UPDATE", "command": "cat >", "key": "k"}),
                json!("{not json"),
                None,
            ),
            (
                "c",
                "x",
                json!(null),
                json!({"created": true, "order": {"id": 12}}),
                Some((0, u64::MAX / 4_000_000)),
            ),
        ]],
        Some("∞ NaN -0 1e309 \u{1b}[31m"),
    );
    r.batches[0].calls.push(99);
    r.batches.push(crate::model::Batch {
        index: 7,
        id: "bX".into(),
        emitted_by: Some(42),
        calls: vec![2, 2, 1000],
    });
    r.tool_calls[1].batch = Some(55);
    r.tool_calls[2].emitted_by = Some(1234);
    let a = analyze(&empty_trace(), &r, &Catalog::default());
    assert_eq!(a.accesses.len(), r.tool_calls.len());
    assert_eq!(a.lanes.len(), r.batches.len());
}

#[test]
fn two_messages_sent_to_one_session_both_land_but_a_session_started_beside_them_is_a_precondition()
{
    let (_, a) = analyse(
        vec![vec![
            (
                "m1",
                "send_message",
                json!({"session_id": "s1", "text": "hi"}),
                json!({"ok": true}),
                Some((0, 50)),
            ),
            (
                "m2",
                "send_message",
                json!({"session_id": "s1", "text": "there"}),
                json!({"ok": true}),
                Some((0, 60)),
            ),
        ]],
        "sent",
    );
    assert!(a.findings.is_empty(), "{:#?}", a.findings);
    let (r, a) = analyse(
        vec![vec![
            (
                "st",
                "start_session",
                json!({"session_id": "s1"}),
                json!({"ok": true}),
                Some((0, 50)),
            ),
            (
                "m1",
                "send_message",
                json!({"session_id": "s1", "text": "hi"}),
                json!({"ok": true}),
                Some((0, 60)),
            ),
        ]],
        "sent",
    );
    assert_eq!(a.findings.len(), 1, "{:#?}", a.findings);
    assert_eq!(a.findings[0].kind, FindingKind::ExecutionTimingDependency);
    assert_eq!(r.tool_calls[a.findings[0].calls[0]].display_id(), "st");
}

#[test]
fn an_untimed_reader_reporting_the_old_value_of_the_key_its_sibling_sets_is_observed() {
    let (_, a) = analyse(
        vec![vec![
            (
                "w",
                "set_preference",
                json!({"session_id": "s", "key": "preferred_currency", "value": "EUR"}),
                json!({"ok": true}),
                None,
            ),
            (
                "q",
                "quote_cart",
                json!({"session_id": "s"}),
                json!({"currency": "USD", "total": 5}),
                None,
            ),
        ]],
        "5 EUR",
    );
    assert_eq!(a.findings.len(), 1, "{:#?}", a.findings);
    assert_eq!(
        (a.findings[0].kind, a.findings[0].severity),
        (FindingKind::ContextDependency, Severity::Observed)
    );
    assert!(
        a.findings[0]
            .signals
            .iter()
            .any(|s| s.contains("currency=USD")),
        "{:?}",
        a.findings[0].signals
    );
}

#[test]
fn a_sibling_working_on_what_another_loads_into_context_is_a_context_dependency() {
    let (r, a) = analyse(
        vec![vec![
            (
                "l",
                "load_user_profile",
                json!({"user_id": "u_7"}),
                json!({"name": "Ana", "language": "pt"}),
                Some((0, 40)),
            ),
            (
                "c",
                "compose_welcome_message",
                json!({"user_id": "u_7"}),
                json!({"message": "Hello there!"}),
                Some((0, 10)),
            ),
        ]],
        "Hello there!",
    );
    assert_eq!(a.findings.len(), 1, "{:#?}", a.findings);
    let f = &a.findings[0];
    assert_eq!(
        (f.kind, f.severity, f.resource.as_str()),
        (
            FindingKind::ContextDependency,
            Severity::Observed,
            "context:user_profile/u_7"
        )
    );
    assert_eq!(r.tool_calls[f.calls[0]].display_id(), "l");
    // Two loads of one profile, or loads of different users, are not a dependency.
    let (_, a) = analyse(
        vec![vec![
            (
                "l1",
                "load_user_profile",
                json!({"user_id": "u_7"}),
                json!({}),
                Some((0, 40)),
            ),
            (
                "l2",
                "load_user_profile",
                json!({"user_id": "u_7"}),
                json!({}),
                Some((0, 40)),
            ),
            (
                "c",
                "compose_welcome_message",
                json!({"user_id": "u_8"}),
                json!({}),
                Some((0, 10)),
            ),
        ]],
        "hi",
    );
    assert!(a.findings.is_empty(), "{:#?}", a.findings);
}

#[test]
fn two_keys_set_in_one_json_file_by_siblings_are_a_write_write_on_the_file() {
    let (_, a) = analyse(
        vec![vec![
            (
                "v",
                "set_json_value",
                json!({"path": "config/app.json", "key": "version", "value": "1.4.0"}),
                json!({"ok": true}),
                Some((0, 40)),
            ),
            (
                "d",
                "set_json_value",
                json!({"path": "config/app.json", "key": "release_date", "value": "2026-11-21"}),
                json!({"ok": true}),
                Some((0, 30)),
            ),
        ]],
        "Release 1.3.2",
    );
    assert_eq!(a.findings.len(), 1, "{:#?}", a.findings);
    assert_eq!(
        (a.findings[0].kind, a.findings[0].resource.as_str()),
        (FindingKind::SharedStateMutation, "file:config/app.json")
    );
    assert!(
        a.accesses[0]
            .iter()
            .any(|x| x.resource == "file:config/app.json/version"),
        "{:?}",
        a.accesses[0]
    );
}

/// Analyses `r` after giving the first model call `user` as its input (what was known).
fn analyse_with_input(mut r: Run, user: &str) -> Analysis {
    r.model_calls[0].input = Some(json!([{"role": "user", "content": user}]));
    analyze(&empty_trace(), &r, &Catalog::default())
}

fn kinds(r: &Run, a: &Analysis) -> Vec<(FindingKind, Vec<String>, String, Severity)> {
    let mut v: Vec<_> = a
        .findings
        .iter()
        .map(|f| (f.kind, ids(r, &f.calls), f.resource.clone(), f.severity))
        .collect();
    v.sort_by(|x, y| x.1.cmp(&y.1));
    v
}

#[test]
fn shell_shaped_tools_create_before_use_and_cd_changes_what_relative_paths_mean() {
    let r = run(
        vec![vec![
            (
                "cd",
                "cd",
                json!({"folder": "docs"}),
                json!({"cwd": "docs"}),
                None,
            ),
            (
                "mk",
                "mkdir",
                json!({"dir_name": "temp"}),
                json!(null),
                None,
            ),
            (
                "mv",
                "mv",
                json!({"source": "report.pdf", "destination": "temp"}),
                json!({"result": "moved"}),
                None,
            ),
        ]],
        None,
    );
    let a = analyze(&empty_trace(), &r, &Catalog::default());
    let found = kinds(&r, &a);
    // One finding for the shell's folder, listing both calls that depend on the `cd`.
    assert!(
        found.contains(&(
            FindingKind::ContextDependency,
            vec!["cd".into(), "mk".into(), "mv".into()],
            "cwd:local".into(),
            Severity::Latent
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            FindingKind::ExecutionTimingDependency,
            vec!["mk".into(), "mv".into()],
            "file:temp".into(),
            Severity::Latent
        )),
        "{found:?}"
    );
}

#[test]
fn a_value_only_a_siblings_result_carries_is_a_context_dependency_with_both_values() {
    let r = run(
        vec![vec![
            (
                "z",
                "get_zipcode_based_on_city",
                json!({"city": "San Francisco"}),
                json!({"zipcode": "94016"}),
                None,
            ),
            (
                "d",
                "estimate_distance",
                json!({"cityA": "94016", "cityB": "Rivermist"}),
                json!({"distance": 980.0}),
                None,
            ),
        ]],
        None,
    );
    let a = analyse_with_input(r.clone(), "How far is San Francisco from Rivermist?");
    let f = &a.findings[0];
    assert_eq!(
        (f.kind, ids(&r, &f.calls), f.severity),
        (
            FindingKind::ContextDependency,
            vec!["d".into(), "z".into()],
            Severity::Latent
        )
    );
    assert_eq!(f.calls[0], 0, "the producer goes first");
    assert!(f.explanation.contains("94016") && f.explanation.contains("appears nowhere earlier"));
    // Had the user said the zip code, nothing depends on the sibling.
    assert!(analyse_with_input(r, "Distance from 94016 to Rivermist?")
        .findings
        .is_empty());
}

#[test]
fn a_guessed_id_the_siblings_result_contradicts_is_observed() {
    let r = run(
        vec![vec![
            (
                "l",
                "lookup_customer",
                json!({"email": "jun@example.com"}),
                json!({"customer_id": "C-17"}),
                None,
            ),
            (
                "o",
                "list_orders",
                json!({"customer_id": "C-12"}),
                json!({"orders": []}),
                None,
            ),
        ]],
        None,
    );
    let a = analyse_with_input(r.clone(), "Show the orders of jun@example.com");
    let f = &a.findings[0];
    assert_eq!(
        (f.kind, f.severity),
        (FindingKind::ContextDependency, Severity::Observed)
    );
    assert!(
        f.explanation.contains("\"C-12\"") && f.explanation.contains("\"C-17\""),
        "{}",
        f.explanation
    );
}

#[test]
fn evidence_from_tool_names_alone_stays_info_and_says_so() {
    let (r, a) = analyse(
        vec![vec![
            (
                "i",
                "increment_counter",
                json!({}),
                json!({"ok": true}),
                None,
            ),
            ("g", "get_counter", json!({}), json!({"value": 3}), None),
        ]],
        "The counter is 3.",
    );
    let f = &a.findings[0];
    assert_eq!(
        (ids(&r, &f.calls), f.severity),
        (vec!["g".into(), "i".into()], Severity::Info)
    );
    assert!(
        f.signals.iter().any(|s| s.starts_with("weak evidence")),
        "{:?}",
        f.signals
    );
    // A verb ending a longer name is its noun: two lookups at a grocery store write nothing.
    let (_, a) = analyse(
        vec![vec![
            (
                "a",
                "grocery_store",
                json!({"item": "milk"}),
                json!({"price": 2}),
                None,
            ),
            (
                "b",
                "grocery_store",
                json!({"item": "eggs"}),
                json!({"price": 3}),
                None,
            ),
        ]],
        "Milk 2, eggs 3.",
    );
    assert!(a.findings.is_empty(), "{:?}", a.findings);
}

#[test]
fn a_login_and_a_call_whose_description_requires_it_are_a_timing_dependency() {
    use crate::model::ToolDefinition;
    let mut r = run(
        vec![vec![
            (
                "l",
                "crm.login",
                json!({"user": "ana"}),
                json!({"ok": true}),
                None,
            ),
            (
                "c",
                "crm.create_contact",
                json!({"name": "Bo"}),
                json!({"contact_id": "K-1"}),
                None,
            ),
        ]],
        None,
    );
    let def = |name: &str, d: &str| ToolDefinition {
        name: name.into(),
        description: Some(d.into()),
        parameters: None,
        annotations: None,
    };
    r.tool_definitions = vec![
        def("crm.login", "Log in to the CRM."),
        def(
            "crm.create_contact",
            "Create a contact. Requires an authenticated session.",
        ),
    ];
    let a = analyze(&empty_trace(), &r, &Catalog::default());
    let f = &a.findings[0];
    assert_eq!(
        (f.kind, f.resource.as_str(), f.severity, f.calls.clone()),
        (
            FindingKind::ExecutionTimingDependency,
            "session:crm",
            Severity::Latent,
            vec![0, 1]
        )
    );
    // Without a stated requirement the shared API alone is weak evidence.
    r.tool_definitions[1].description = Some("Create a contact.".into());
    let a = analyze(&empty_trace(), &r, &Catalog::default());
    assert_eq!(a.findings[0].severity, Severity::Info);
}

#[test]
fn reading_a_part_of_an_object_a_sibling_of_the_same_api_changes_is_a_stale_read() {
    use crate::model::ToolDefinition;
    let mut r = run(
        vec![vec![
            (
                "s",
                "display_status",
                json!({"option": "doors"}),
                json!({"doors": "unlocked"}),
                None,
            ),
            (
                "l",
                "lock_doors",
                json!({"unlock": false}),
                json!({"ok": true}),
                None,
            ),
        ]],
        None,
    );
    let a = analyze(&empty_trace(), &r, &Catalog::default());
    assert!(
        a.findings.is_empty(),
        "no shared API known: {:?}",
        a.findings
    );
    let def = |name: &str, d: &str| ToolDefinition {
        name: name.into(),
        description: Some(format!("This tool belongs to the Vehicle API. {d}")),
        parameters: None,
        annotations: None,
    };
    r.tool_definitions = vec![
        def("display_status", "Shows a status."),
        def("lock_doors", "Locks the doors."),
    ];
    let a = analyze(&empty_trace(), &r, &Catalog::default());
    let f = &a.findings[0];
    assert_eq!(
        (f.kind, f.resource.as_str(), f.severity, f.calls.clone()),
        (
            FindingKind::SharedStateMutation,
            "state:vehicle_api/door",
            Severity::Latent,
            vec![1, 0]
        )
    );
}

#[test]
fn timing_rates_findings_alike_whatever_rule_found_them() {
    use super::timing_severity;
    let mut signals = Vec::new();
    assert_eq!(
        timing_severity(Some(5), false, false, &mut signals),
        Severity::Observed
    );
    // Recovered times only bound the calls: an overlap there is not proof they ran together.
    assert_eq!(
        timing_severity(Some(5), true, false, &mut signals),
        Severity::Latent
    );
    assert!(signals.iter().any(|s| s.contains("upper bounds")));
    assert_eq!(
        timing_severity(Some(0), false, true, &mut signals),
        Severity::Info
    );
    assert_eq!(
        timing_severity(None, false, false, &mut signals),
        Severity::Latent
    );
}
