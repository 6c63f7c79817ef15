//! Conflicts between siblings of one batch: two calls touching overlapping resources with at
//! least one write, classified into the seed article's three kinds and graded by evidence.
//!
//! - `execution_timing_dependency`: one sibling creates a record, session or lock that the other
//!   uses (create + use in one batch);
//! - `context_dependency`: one sibling reads context or session state another writes, or needs
//!   an id another sibling exists to look up;
//! - `shared_state_mutation`: write/write (lost update) or read/write (stale read).
//!
//! Severity: `observed` when the executions overlapped in time or the results prove the
//! interleaving (both report the same previous value), `info` when the runner visibly
//! serialized the whole batch, `latent` otherwise. Read/read is never a finding. At most one
//! finding per pair of siblings: the most specific kind on the most specific resource. Pairs on
//! one resource then merge into one finding that lists every call involved (`grouping`); large
//! batches compare only calls that meet on a resource or a value (`candidates`).

mod candidates;
mod grouping;
mod object_state;
mod preconditions;
mod value_flow;

use super::resources::names::{is_context_namespace, more_specific, overlaps};
use super::resources::CallResources;
use super::types::{Access, Confidence, EvidenceSource, Finding, FindingKind, Severity};
use crate::model::{CallStatus, Run, ToolCall};
use value_flow::History;

/// Finds the conflicts of every batch of `run`; `calls[i]` belongs to `run.tool_calls[i]`.
pub fn find_conflicts(run: &Run, calls: &[CallResources]) -> Vec<Finding> {
    find_conflicts_comparing(run, calls, candidates::ALL_PAIRS_UP_TO)
}

/// [`find_conflicts`], comparing every pair of a batch up to `all_pairs_up_to` calls.
fn find_conflicts_comparing(
    run: &Run,
    calls: &[CallResources],
    all_pairs_up_to: usize,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut history = History::new(run);
    for batch in run.batches.iter().filter(|b| b.is_parallel()) {
        let members: Vec<&ToolCall> = batch
            .calls
            .iter()
            .filter_map(|&i| run.tool_calls.get(i))
            // A call the model emitted but nobody ran touched nothing.
            .filter(|c| c.status != CallStatus::NotExecuted)
            .collect();
        let serialized = batch_serialized(&members);
        // Times recovered from log lines bracket each call: no overlap proves the runner
        // serialized, an overlap does not prove they ran together.
        let recovered = run.timing == crate::model::Timing::Recovered;
        let prepared: Vec<value_flow::Prepared> = history
            .before(batch.index)
            .map(|mut k| {
                members
                    .iter()
                    .map(|c| value_flow::prepare(&mut k, c))
                    .collect()
            })
            .unwrap_or_default();
        let mut through_values = value_flow::dependencies(&prepared);
        // What each tool of the batch can be for the name-based rules, once per tool name.
        let mut by_name: std::collections::HashMap<&str, (bool, (bool, bool))> =
            std::collections::HashMap::new();
        let roles: Vec<(bool, (bool, bool))> = members
            .iter()
            .map(|c| {
                *by_name.entry(c.name.as_str()).or_insert_with(|| {
                    (
                        preconditions::may_need(run, &c.name),
                        object_state::role(&c.name),
                    )
                })
            })
            .collect();
        let pairs = candidates::pairs(
            &members,
            calls,
            through_values.keys().copied(),
            all_pairs_up_to,
        );
        let mut found_here = Vec::new();
        for (x, y) in pairs {
            let (a, b) = (&members[x], &members[y]);
            let ((need_a, (read_a, write_a)), (need_b, (read_b, write_b))) = (roles[x], roles[y]);
            let (Some(ra), Some(rb)) = (calls.get(a.index), calls.get(b.index)) else {
                continue;
            };
            let found = pair_finding(batch.index, a, ra, b, rb, serialized, recovered);
            // A dependency through values is stronger than a weak resource overlap.
            let weak =
                |f: &Option<Finding>| f.as_ref().is_none_or(|f| f.severity == Severity::Info);
            let found = if weak(&found) {
                let d = through_values
                    .remove(&(x, y))
                    .map(|d| (*a, *b, d))
                    .or_else(|| through_values.remove(&(y, x)).map(|d| (*b, *a, d)));
                d.map(|(p, c, d)| value_finding(batch.index, p, c, d, serialized, recovered))
                    .or(found)
            } else {
                found
            };
            // A session or a stated precondition, when nothing stronger was found.
            let found = if (need_a || need_b) && weak(&found) {
                precondition_finding(batch.index, run, a, b, serialized)
                    .filter(|p| found.as_ref().is_none_or(|f| p.severity > f.severity))
                    .or(found)
            } else {
                found
            };
            let found = if (read_a && write_b || read_b && write_a) && weak(&found) {
                state_finding(batch.index, run, a, b, serialized).or(found)
            } else {
                found
            };
            if let Some(f) = found {
                found_here.push(f);
            }
        }
        out.extend(grouping::by_resource(found_here, &run.tool_calls));
    }
    out
}

fn interval(c: &ToolCall) -> Option<(u64, u64)> {
    Some((c.start_unix_nano?, c.end_unix_nano?))
}

/// Overlap of two calls in nanoseconds; `None` when either is untimed.
fn overlap_nanos(a: &ToolCall, b: &ToolCall) -> Option<u64> {
    let ((s1, e1), (s2, e2)) = (interval(a)?, interval(b)?);
    Some(e1.min(e2).saturating_sub(s1.max(s2)))
}

/// Every sibling is timed and none overlapped: the runner ran them one after another.
fn batch_serialized(members: &[&ToolCall]) -> bool {
    if members.iter().any(|c| interval(c).is_none()) {
        return false;
    }
    members.iter().enumerate().all(|(i, a)| {
        members
            .iter()
            .skip(i + 1)
            .all(|b| overlap_nanos(a, b) == Some(0))
    })
}

fn label(c: &ToolCall) -> String {
    format!("{} ({})", c.name, c.display_id())
}

/// The decisive pair of accesses: overlapping, at least one write, most confident first.
fn decisive<'a>(
    ra: &'a CallResources,
    rb: &'a CallResources,
    pred: impl Fn(&Access, &Access) -> bool,
) -> Option<(&'a Access, &'a Access)> {
    let mut best: Option<(&Access, &Access)> = None;
    for x in &ra.accesses {
        for y in &rb.accesses {
            if !(x.mode.writes() || y.mode.writes())
                || !overlaps(&x.resource, &y.resource)
                || !pred(x, y)
            {
                continue;
            }
            let score = |p: (&Access, &Access)| {
                (
                    p.0.confidence.min(p.1.confidence),
                    p.0.resource == p.1.resource,
                    p.0.resource.len() + p.1.resource.len(),
                )
            };
            if best.is_none_or(|b| score((x, y)) > score(b)) {
                best = Some((x, y));
            }
        }
    }
    best
}

/// `c` creates something `other` touches (the resource itself or a part of it).
fn creation<'a>(
    creator: &'a CallResources,
    user: &'a CallResources,
) -> Option<(&'a str, &'a Access)> {
    for made in &creator.creates {
        if user.creates.contains(made) {
            continue;
        }
        for acc in &user.accesses {
            let inside = acc.resource == *made || acc.resource.starts_with(&format!("{made}/"));
            let needed = user.requires.contains(made);
            if inside || needed && acc.resource == *made {
                return Some((made.as_str(), acc));
            }
        }
    }
    None
}

fn pair_finding(
    batch: usize,
    a: &ToolCall,
    ra: &CallResources,
    b: &ToolCall,
    rb: &CallResources,
    serialized: bool,
    recovered: bool,
) -> Option<Finding> {
    let overlap = overlap_nanos(a, b);
    let mut signals = Vec::new();
    let grade = |proof: bool, signals: &mut Vec<String>| -> Severity {
        match overlap {
            Some(ns) if ns > 0 && recovered && !proof => {
                signals.push(format!(
                    "times recovered from log lines overlap by {} (upper bounds): they may have run together",
                    crate::units::duration(ns)
                ));
                Severity::Latent
            }
            Some(ns) if ns > 0 => {
                signals.push(format!(
                    "executions overlapped by {}",
                    crate::units::duration(ns)
                ));
                Severity::Observed
            }
            _ if proof => Severity::Observed,
            Some(_) if serialized => {
                signals.push("runner serialized the batch (no sibling overlapped)".into());
                Severity::Info
            }
            Some(_) => {
                signals.push("same batch, did not overlap; order not guaranteed".into());
                Severity::Latent
            }
            None => {
                signals.push("same batch, untimed; order not guaranteed".into());
                Severity::Latent
            }
        }
    };

    // 1. Create + use: execution-timing dependency.
    let created = creation(ra, rb)
        .map(|(r, acc)| (a, b, r, acc))
        .or_else(|| creation(rb, ra).map(|(r, acc)| (b, a, r, acc)));
    if let Some((creator, user, made, acc)) = created {
        signals.push(format!("{} creates {made}", label(creator)));
        signals.push(format!(
            "{} uses {}: {}",
            label(user),
            acc.resource,
            acc.evidence
        ));
        // The user failing (a missing session, a foreign-key error) is the precondition biting.
        let failed = user.status == CallStatus::Error;
        if failed {
            signals.push(format!(
                "{} failed: {}",
                label(user),
                user.error.as_deref().unwrap_or("error status")
            ));
        }
        let severity = grade(failed, &mut signals);
        let severity = if weak(acc) && !failed {
            signals.push(format!(
                "weak evidence: only the name of {} suggests it uses {made}",
                label(user)
            ));
            Severity::Info
        } else {
            severity
        };
        let started_first = match (interval(user), interval(creator)) {
            (Some((su, _)), Some((_, ec))) if su < ec => {
                format!(" It started before {} finished.", creator.name)
            }
            _ => String::new(),
        };
        return Some(Finding {
            kind: FindingKind::ExecutionTimingDependency,
            severity,
            resource: made.to_owned(),
            batch,
            calls: vec![creator.index, user.index],
            explanation: format!(
                "execution-timing dependency on {made}: {} needs {made}, which sibling {} creates in the same batch; nothing orders them, so it can run before the {} exists.{started_first}",
                label(user),
                label(creator),
                made.split(':').next().unwrap_or("record")
            ),
            signals,
        });
    }

    // 2. A sibling loads an entity into the agent's context that the other works on.
    if let Some((loader, user, slot, entity)) =
        loaded(a, ra, b, rb).or_else(|| loaded(b, rb, a, ra))
    {
        signals.push(format!(
            "{} loads {entity} into the agent's context ({slot})",
            label(loader)
        ));
        signals.push(format!(
            "{} works on {entity} in the same batch",
            label(user)
        ));
        let severity = grade(false, &mut signals);
        return Some(Finding {
            kind: FindingKind::ContextDependency,
            severity,
            resource: slot.clone(),
            batch,
            calls: vec![loader.index, user.index],
            explanation: format!(
                "context dependency on {slot}: sibling {} loads {entity} into the agent's context while {} works on it; nothing makes the load happen first, so it may see an empty or stale context",
                label(loader),
                label(user)
            ),
            signals,
        });
    }

    // 3. A sibling looks up an id the other takes from context instead.
    let produced = implicit_use(a, ra, b, rb).or_else(|| implicit_use(b, rb, a, ra));
    // Two siblings each adding a new part to one collection (two lines to one order) append;
    // neither overwrites the other.
    let pair = decisive(ra, rb, |x, y| {
        !appends(ra, x, rb, y) && !appends(rb, y, ra, x)
    });
    if pair.is_none() {
        let n = produced?;
        signals.push(format!("{} looks up the {} id", label(n.producer), n.noun));
        signals.push(n.signal);
        let severity = grade(false, &mut signals);
        return Some(Finding {
            kind: FindingKind::ContextDependency,
            severity,
            resource: n.resource,
            batch,
            calls: vec![n.producer.index, n.consumer.index],
            explanation: format!(
                "context dependency on the {noun} id: {} exists to look it up, while sibling {} ran in the same batch with a {noun} it could not have had yet (from shared context or a guess)",
                label(n.producer),
                label(n.consumer),
                noun = n.noun
            ),
            signals,
        });
    }
    let (x, y) = pair?;
    let resource = more_specific(&x.resource, &y.resource).to_owned();
    // Evidence that is only a tool's name (a verb, a collection named after the tool) is weak:
    // the finding says so and stays `info` unless a result proves it.
    let weak_side = [(a, x), (b, y)].into_iter().find(|(_, acc)| weak(acc));
    let weakly = |severity: Severity, proof: bool, signals: &mut Vec<String>| match weak_side {
        Some((c, acc)) if !proof => {
            signals.push(format!(
                "weak evidence: only the name of {} suggests it touches {}",
                label(c),
                acc.resource
            ));
            Severity::Info
        }
        _ => severity,
    };
    signals.push(format!(
        "{}: {} {}: {}",
        label(a),
        x.mode.as_str(),
        x.resource,
        x.evidence
    ));
    signals.push(format!(
        "{}: {} {}: {}",
        label(b),
        y.mode.as_str(),
        y.resource,
        y.evidence
    ));

    // 4. Context or session state read by one, written by the other.
    let one_reads_only = x.mode.writes() != y.mode.writes();
    if one_reads_only && (is_context_namespace(&x.resource) || is_context_namespace(&y.resource)) {
        let (writer, reader) = if x.mode.writes() { (a, b) } else { (b, a) };
        let stale = stale_value(writer, reader);
        if let Some(p) = &stale {
            signals.push(p.clone());
        }
        let severity = grade(stale.is_some(), &mut signals);
        let severity = weakly(severity, stale.is_some(), &mut signals);
        return Some(Finding {
            kind: FindingKind::ContextDependency,
            severity,
            resource: resource.clone(),
            batch,
            calls: vec![writer.index, reader.index],
            explanation: format!(
                "context dependency on {resource}: {} reads it while sibling {} writes it; nothing makes the write happen first, so the reader may get stale or default context",
                label(reader),
                label(writer)
            ),
            signals,
        });
    }

    // 5. Shared state: write/write or read/write.
    if x.mode.writes() && y.mode.writes() {
        let proof = lost_update_proof(a, ra, b, rb);
        if let Some(p) = &proof {
            signals.push(p.signal.clone());
        }
        let severity = grade(proof.is_some(), &mut signals);
        let severity = weakly(severity, proof.is_some(), &mut signals);
        let (first, second) = match (interval(a), interval(b)) {
            (Some((_, ea)), Some((_, eb))) if eb < ea => (b, a),
            _ => (a, b),
        };
        let explanation = match proof {
            Some(p) => p.explanation(&resource, first, second, ra, rb, a),
            None => format!(
                "shared-state mutation on {resource}: {} and {} both write it in one batch; nothing orders them, so one update can overwrite the other",
                label(first),
                label(second)
            ),
        };
        return Some(Finding {
            kind: FindingKind::SharedStateMutation,
            severity,
            resource,
            batch,
            calls: vec![first.index, second.index],
            explanation,
            signals,
        });
    }
    let (writer, reader) = if x.mode.writes() { (a, b) } else { (b, a) };
    let severity = grade(false, &mut signals);
    let severity = weakly(severity, false, &mut signals);
    Some(Finding {
        kind: FindingKind::SharedStateMutation,
        severity,
        resource: resource.clone(),
        batch,
        calls: vec![writer.index, reader.index],
        explanation: format!(
            "stale read on {resource}: {} reads it while sibling {} writes it; it may see the value before or after the write",
            label(reader),
            label(writer)
        ),
        signals,
    })
}

/// An access learned from nothing but the tool's name or description verb, at low confidence.
fn weak(a: &Access) -> bool {
    a.confidence == Confidence::Low
        && matches!(
            a.source,
            EvidenceSource::ToolName | EvidenceSource::ToolDefinition
        )
}

/// The severity of a finding that only the siblings' timing can rate: executions that overlapped
/// are observed (times recovered from log lines only bound the calls, so there an overlap is
/// latent), a batch the runner serialized is info, anything else latent. The reason goes into
/// `signals`.
fn timing_severity(
    overlap: Option<u64>,
    recovered: bool,
    serialized: bool,
    signals: &mut Vec<String>,
) -> Severity {
    match overlap {
        Some(ns) if ns > 0 && recovered => {
            signals
                .push("recovered times overlap (upper bounds): they may have run together".into());
            Severity::Latent
        }
        Some(ns) if ns > 0 => Severity::Observed,
        _ if serialized => {
            signals.push("runner serialized the batch (no sibling overlapped)".into());
            Severity::Info
        }
        _ => {
            signals.push("same batch; order not guaranteed".into());
            Severity::Latent
        }
    }
}

/// A read of one object's state, named by a word, while a sibling of the same API changes it.
fn state_finding(
    batch: usize,
    run: &Run,
    a: &ToolCall,
    b: &ToolCall,
    serialized: bool,
) -> Option<Finding> {
    let s = object_state::stale_read(run, a, b)?;
    let (reader, writer) = (&run.tool_calls[s.reader], &run.tool_calls[s.writer]);
    let mut signals = vec![
        format!(
            "{} reads the {} state ({}={:?})",
            label(reader),
            s.value,
            s.key,
            s.value
        ),
        format!(
            "{} changes the {} of the same API (its name)",
            label(writer),
            s.value
        ),
    ];
    let severity = timing_severity(
        overlap_nanos(reader, writer),
        run.timing == crate::model::Timing::Recovered,
        serialized,
        &mut signals,
    );
    Some(Finding {
        kind: FindingKind::SharedStateMutation,
        severity,
        resource: s.resource.clone(),
        batch,
        calls: vec![writer.index, reader.index],
        explanation: format!(
            "stale read on {}: {} reads the {} state while sibling {} changes it; it may see the state before or after the change",
            s.resource,
            label(reader),
            s.value,
            label(writer)
        ),
        signals,
    })
}

/// A session one sibling opens and the other needs, or a precondition a description states.
fn precondition_finding(
    batch: usize,
    run: &Run,
    a: &ToolCall,
    b: &ToolCall,
    serialized: bool,
) -> Option<Finding> {
    let n = preconditions::need(run, a, b)?;
    let (first, then) = if n.first == 0 { (a, b) } else { (b, a) };
    let mut signals = n.signals;
    let failed = then.status == CallStatus::Error;
    if failed {
        signals.push(format!(
            "{} failed: {}",
            label(then),
            then.error.as_deref().unwrap_or("error status")
        ));
    }
    let severity = if !n.strong && !failed {
        Severity::Info
    } else if failed {
        Severity::Observed
    } else {
        timing_severity(
            overlap_nanos(first, then),
            run.timing == crate::model::Timing::Recovered,
            serialized,
            &mut signals,
        )
    };
    Some(Finding {
        kind: FindingKind::ExecutionTimingDependency,
        severity,
        resource: n.resource.clone(),
        batch,
        calls: vec![first.index, then.index],
        explanation: format!(
            "execution-timing dependency on {}: {}; {} must finish first, but both were sent in one batch and nothing orders them",
            n.resource,
            n.why,
            label(first)
        ),
        signals,
    })
}

/// A dependency of one sibling on another's result through a value (see [`value_flow`]).
fn value_finding(
    batch: usize,
    producer: &ToolCall,
    consumer: &ToolCall,
    d: value_flow::ValueDependency,
    serialized: bool,
    recovered: bool,
) -> Finding {
    let mut signals = vec![
        format!(
            "{} was given {}={:?}, which appears nowhere earlier in the run",
            label(consumer),
            d.arg_key,
            d.given
        ),
        format!(
            "{} returns {}={:?}",
            label(producer),
            d.result_key,
            d.produced
        ),
    ];
    let severity = if d.guessed {
        Severity::Observed
    } else {
        timing_severity(
            overlap_nanos(producer, consumer),
            recovered,
            serialized,
            &mut signals,
        )
    };
    let noun = super::resources::names::entity_of_key(&d.result_key).filter(|n| !n.is_empty());
    let resource = match &noun {
        Some(n) => super::resources::names::entity_resource(
            n,
            &super::resources::names::normalize_id(&d.produced).unwrap_or_default(),
        ),
        None => format!(
            "value:{}",
            super::resources::names::split_words(&d.result_key).join("_")
        ),
    };
    let explanation = if d.guessed {
        format!(
            "context dependency on {}: {} was given {}={:?}, a value that appears nowhere earlier in the run, while sibling {} returns {}={:?}; the model guessed it, and the sibling's result shows the guess is wrong",
            d.result_key,
            label(consumer),
            d.arg_key,
            d.given,
            label(producer),
            d.result_key,
            d.produced
        )
    } else {
        format!(
            "context dependency on {}: {} was given {}={:?}, a value that appears nowhere earlier in the run but in sibling {}'s result ({}={:?}); it could only come from that result, so {} must run first",
            d.result_key,
            label(consumer),
            d.arg_key,
            d.given,
            label(producer),
            d.result_key,
            d.produced,
            producer.name
        )
    };
    Finding {
        kind: FindingKind::ContextDependency,
        severity,
        resource,
        batch,
        calls: vec![producer.index, consumer.index],
        explanation,
        signals,
    }
}

/// `l` loads an entity into context that `u` (not loading it too) touches.
fn loaded<'a>(
    l: &'a ToolCall,
    rl: &CallResources,
    u: &'a ToolCall,
    ru: &CallResources,
) -> Option<(&'a ToolCall, &'a ToolCall, String, String)> {
    rl.loads.iter().find_map(|(entity, slot)| {
        let also_loads = ru.loads.iter().any(|(e, _)| e == entity);
        let touches = ru.accesses.iter().any(|a| overlaps(&a.resource, entity));
        (touches && !also_loads).then(|| (l, u, slot.clone(), entity.clone()))
    })
}

/// `x` of `ra` and `y` of `rb` only add to one collection: both create the same part, or `ra`
/// merely needs the parent (a reference, not a read of its content) that `rb` adds a part to.
fn appends(ra: &CallResources, x: &Access, rb: &CallResources, y: &Access) -> bool {
    let y_adds_part = y.resource.contains('/') && rb.creates.contains(&y.resource);
    let both_add = x.resource == y.resource && ra.creates.contains(&x.resource);
    let x_only_needs_parent = !x.mode.writes() && ra.requires.contains(&x.resource);
    y_adds_part && (both_add || x_only_needs_parent)
}

/// A sibling needs what `p` exists to look up (`get_customer_id`): its result names that entity
/// without being given it, or it was given the very key `p` resolves (an email where an id
/// belongs) or the id `p` returns.
struct Needed<'a> {
    producer: &'a ToolCall,
    consumer: &'a ToolCall,
    noun: String,
    resource: String,
    signal: String,
}

fn implicit_use<'a>(
    p: &'a ToolCall,
    rp: &CallResources,
    c: &'a ToolCall,
    rc: &CallResources,
) -> Option<Needed<'a>> {
    rp.produces.iter().find_map(|noun| {
        let produced = rp.result_ids.iter().find(|i| &i.noun == noun);
        let resource = produced.map_or_else(
            || format!("context:{noun}_id"),
            |i| format!("{noun}:{}", i.id),
        );
        let needed = |signal: String| Needed {
            producer: p,
            consumer: c,
            noun: noun.clone(),
            resource: resource.clone(),
            signal,
        };
        if let Some(i) = rc.implicit.iter().find(|i| &i.noun == noun) {
            return Some(needed(format!(
                "{} was given no {noun} but its result names {noun} {:?}",
                label(c),
                i.raw
            )));
        }
        rc.given.iter().filter(|g| &g.noun == noun).find_map(|g| {
            if rp.arg_values.contains(&g.id) {
                Some(needed(format!(
                    "{} was given {}={:?}, the key {} resolves into a {noun} id",
                    label(c),
                    g.key,
                    g.raw,
                    label(p)
                )))
            } else if produced.is_some_and(|i| i.id == g.id) {
                Some(needed(format!(
                    "{} was given {}={:?}, the id {} returns",
                    label(c),
                    g.key,
                    g.raw,
                    label(p)
                )))
            } else {
                None
            }
        })
    })
}

/// The writer sets key `K` to `V` (`{"key": "preferred_currency", "value": "EUR"}`) and the
/// reader's result reports that key (or its last word, `currency`) with another value: the
/// reader saw the state before the write.
fn stale_value(writer: &ToolCall, reader: &ToolCall) -> Option<String> {
    let args = writer.arguments.as_ref()?.as_object()?;
    let key = ["key", "field", "name", "setting", "property"]
        .iter()
        .find_map(|k| args.get(*k)?.as_str())?
        .to_ascii_lowercase();
    let value = ["value", "val", "new_value", "to"]
        .iter()
        .find_map(|k| args.get(*k))?;
    let written = scalar(value)?;
    let result = match reader.result.as_ref()? {
        serde_json::Value::String(s) => crate::model::span::parse_json_string(s),
        other => other.clone(),
    };
    let short = key.rsplit('_').next().unwrap_or(&key).to_owned();
    result.as_object()?.iter().find_map(|(k, v)| {
        let k = k.to_ascii_lowercase();
        let seen = scalar(v)?;
        ((k == key || k == short) && !seen.eq_ignore_ascii_case(&written)).then(|| {
            format!(
                "result: {} reports {k}={seen} while {} writes {key}={written}",
                reader.display_id(),
                writer.display_id()
            )
        })
    })
}

fn scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

struct Proof {
    field: String,
    previous: String,
    signal: String,
}

/// Both calls report the same previous value of one field: both read before either wrote.
fn lost_update_proof(
    a: &ToolCall,
    ra: &CallResources,
    b: &ToolCall,
    rb: &CallResources,
) -> Option<Proof> {
    for ta in &ra.transitions {
        for tb in &rb.transitions {
            if ta.field == tb.field && ta.previous == tb.previous && ta.new != tb.new {
                return Some(Proof {
                    field: ta.field.clone(),
                    previous: ta.previous.to_string(),
                    signal: format!(
                        "results: {} and {} both report previous {}={}",
                        a.display_id(),
                        b.display_id(),
                        ta.field,
                        ta.previous
                    ),
                });
            }
        }
    }
    None
}

impl Proof {
    fn explanation(
        &self,
        resource: &str,
        first: &ToolCall,
        second: &ToolCall,
        ra: &CallResources,
        rb: &CallResources,
        a: &ToolCall,
    ) -> String {
        let new_of = |c: &ToolCall| {
            let r = if c.index == a.index { ra } else { rb };
            r.transitions
                .iter()
                .find(|t| t.field == self.field)
                .map(|t| (t.new.to_string(), delta(&t.previous, &t.new)))
        };
        let (n1, n2) = (new_of(first), new_of(second));
        let timed = interval(first).is_some() && interval(second).is_some();
        match (n1, n2, timed) {
            (Some((v1, d1)), Some((v2, d2)), true) => format!(
                "lost update on {resource}: both read {} {} before either wrote; {} wrote {v1}{}, then {} wrote {v2}{} over it, so {} was lost",
                self.field,
                self.previous,
                label(first),
                d1.as_deref().map(|d| format!(" ({d})")).unwrap_or_default(),
                label(second),
                d2.as_deref().map(|d| format!(" ({d})")).unwrap_or_default(),
                d1.map_or_else(|| "the first update".to_owned(), |d| format!("the {d}")),
            ),
            _ => format!(
                "lost update on {resource}: {} and {} both read {} {} before either wrote; one update overwrote the other",
                label(first),
                label(second),
                self.field,
                self.previous
            ),
        }
    }
}

fn delta(prev: &serde_json::Value, new: &serde_json::Value) -> Option<String> {
    let d = new.as_f64()? - prev.as_f64()?;
    let s = if d.fract() == 0.0 {
        format!("{}", d.abs() as i64)
    } else {
        format!("{:.2}", d.abs())
    };
    Some(if d >= 0.0 {
        format!("+{s}")
    } else {
        format!("-{s}")
    })
}

#[cfg(test)]
#[path = "conflicts_tests.rs"]
mod tests;

#[cfg(test)]
mod scale_tests;
