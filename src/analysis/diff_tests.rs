//! Tests of run comparison on hand-built runs.

use serde_json::json;

use super::*;
use crate::analysis::test_support::{empty_trace, run, CallSpec};
use crate::analysis::{analyze, Catalog};

fn analysed(batches: Vec<Vec<CallSpec<'_>>>, answer: &str) -> AnalyzedTrace {
    let run = run(batches, Some(answer));
    let analysis = analyze(&empty_trace(), &run, &Catalog::default());
    AnalyzedTrace { run, analysis }
}

fn deposits(first: (u64, u64), second: (u64, u64), prev2: u64) -> Vec<CallSpec<'static>> {
    vec![
        (
            "c1",
            "deposit",
            json!({"account_id": "ACC-1", "amount": 10}),
            json!({"previous_balance": 100, "new_balance": 110}),
            Some(first),
        ),
        (
            "c2",
            "deposit",
            json!({"account_id": "ACC-1", "amount": 20}),
            json!({"previous_balance": prev2, "new_balance": prev2 + 20}),
            Some(second),
        ),
    ]
}

fn lookup(city: &str, at: (u64, u64)) -> CallSpec<'_> {
    (
        "w1",
        "get_weather",
        json!({"city": city}),
        json!({"temp_c": 21}),
        Some(at),
    )
}

#[test]
fn identical_runs_are_equivalent() {
    let a = analysed(vec![deposits((10, 50), (60, 90), 110)], "130");
    let d = diff(&a, &a.clone());
    assert!(d.is_equivalent(), "{d:#?}");
    assert_eq!(d.batches.len(), 1);
    assert_eq!(d.batches[0].calls[0].paired_by, CallPairing::Arguments);
}

#[test]
fn a_race_and_its_clean_rerun_differ_first_in_the_racing_batch() {
    let raced = analysed(
        vec![
            vec![lookup("Oslo", (0, 5))],
            deposits((10, 50), (12, 60), 100),
        ],
        "balance 120",
    );
    let clean = analysed(
        vec![
            vec![lookup("Oslo", (0, 5))],
            deposits((10, 50), (55, 90), 110),
        ],
        "balance 130",
    );
    let d = diff(&raced, &clean);
    assert!(!d.is_equivalent());
    assert_eq!(d.first_divergence, Some(1), "the lookup batch is the same");
    let b = &d.batches[1];
    assert_eq!(b.ids, [Some("b2".to_owned()), Some("b2".to_owned())]);
    let second = &b.calls[1];
    assert_eq!(second.paired_by, CallPairing::Arguments);
    let result = second
        .result
        .as_ref()
        .expect("the second deposit's result differs");
    assert_eq!(result.a.as_ref().unwrap()["previous_balance"], 100);
    assert_eq!(result.b.as_ref().unwrap()["previous_balance"], 110);
    assert!(
        b.calls[0].result.is_none(),
        "the first deposit did the same"
    );
    assert_eq!(b.overlap.len(), 1);
    assert_eq!(b.overlap[0].overlapped, [true, false]);
    let f = &b.findings;
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].kind, FindingKind::SharedStateMutation);
    assert_eq!(f[0].severity[0], Some(Severity::Observed));
    assert!(f[0].severity[1] < Some(Severity::Observed), "{f:#?}");
    assert_eq!(
        d.final_answer,
        [
            Some("balance 120".to_owned()),
            Some("balance 130".to_owned())
        ]
    );
}

#[test]
fn calls_and_batches_present_in_one_run_only_stand_alone() {
    let a = analysed(
        vec![
            vec![lookup("Oslo", (0, 5))],
            deposits((10, 50), (55, 90), 110),
        ],
        "done",
    );
    let mut extra = deposits((10, 50), (55, 90), 110);
    extra.push((
        "c3",
        "notify",
        json!({"to": "ops"}),
        json!({"sent": true}),
        Some((20, 30)),
    ));
    let b = analysed(vec![extra], "done");
    let d = diff(&a, &b);
    assert_eq!(d.first_divergence, Some(0));
    assert_eq!(d.batches[0].ids, [Some("b1".to_owned()), None]);
    let pair = &d.batches[1];
    assert_eq!(pair.ids, [Some("b2".to_owned()), Some("b1".to_owned())]);
    let only_b: Vec<&str> = pair
        .calls
        .iter()
        .filter(|c| c.calls[0].is_none())
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(only_b, ["notify"]);
}

#[test]
fn changed_arguments_pair_by_position_and_show_both_values() {
    let a = analysed(vec![vec![lookup("Oslo", (0, 5))]], "mild");
    let b = analysed(vec![vec![lookup("Bergen", (0, 5))]], "mild");
    let d = diff(&a, &b);
    let c = &d.batches[0].calls[0];
    assert_eq!(c.paired_by, CallPairing::Position);
    let args = c.arguments.as_ref().unwrap();
    assert_eq!(args.a, Some(json!({"city": "Oslo"})));
    assert_eq!(args.b, Some(json!({"city": "Bergen"})));
    assert_eq!(d.first_divergence, Some(0));
}

#[test]
fn alignment_keeps_common_steps_and_pairs_the_changed_one_between_them() {
    let step = |name: &'static str| -> Vec<CallSpec<'static>> {
        vec![(name, name, json!({}), json!({}), Some((0, 1)))]
    };
    let a = analysed(vec![step("plan"), step("search"), step("write")], "x");
    let b = analysed(vec![step("plan"), step("browse"), step("write")], "x");
    let d = diff(&a, &b);
    let ids: Vec<[Option<String>; 2]> = d.batches.iter().map(|b| b.ids.clone()).collect();
    let s = |x: &str| Some(x.to_owned());
    assert_eq!(
        ids,
        vec![[s("b1"), s("b1")], [s("b2"), s("b2")], [s("b3"), s("b3")]]
    );
    assert_eq!(d.first_divergence, Some(1));
    assert!(!d.batches[2].differs());
}
