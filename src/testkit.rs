//! Builders shared by the hand-made test fixtures of `export` and `tui`: one place that knows the
//! shape of a batch and of the usual four-step why path. Test-only.

use crate::analysis::{WhyPath, WhyStep};
use crate::model::Batch;

/// Batch `index` (id `b{index+1}`) emitted by model call `by`.
pub fn batch(index: usize, by: usize, calls: Vec<usize>) -> Batch {
    Batch {
        index,
        id: format!("b{}", index + 1),
        emitted_by: Some(by),
        calls,
    }
}

/// The answer's `value` came from tool call `call`, which ran in `batch`, where finding 0
/// collided it with `sibling`.
pub fn why_path(answer: &str, value: &str, call: usize, batch: usize, sibling: usize) -> WhyPath {
    WhyPath {
        steps: vec![
            WhyStep::Answer {
                text: answer.into(),
                value: Some(value.into()),
            },
            WhyStep::Call {
                call,
                value: Some(value.into()),
            },
            WhyStep::Batch { batch },
            WhyStep::Finding {
                finding: 0,
                sibling: Some(sibling),
            },
        ],
    }
}
