//! The resource × call matrix (R / W / RW marks) of a batch or of a whole trace, built once when
//! a trace loads so drawing it is a lookup.
//!
//! Rows are resources, columns are tool calls. A cell is marked when the call accessed the
//! resource; it is a *conflict cell* when a finding names both that call and that resource.
//! Resources involved in findings sort first, so conflicts are on screen without scrolling.

use std::collections::{BTreeMap, HashMap};

use crate::analysis::{AccessMode, Analysis, Severity};

use super::sanitize;

/// One mark in the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Position in [`ResourceMatrix::columns`].
    pub column: usize,
    pub mode: AccessMode,
    /// The worst finding naming this call and this resource.
    pub conflict: Option<Severity>,
}

/// One resource and the calls that touched it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixRow {
    /// Sanitized resource name.
    pub resource: String,
    /// Sorted by column.
    pub cells: Vec<Cell>,
    /// The worst finding on this resource among these calls.
    pub conflict: Option<Severity>,
}

impl MatrixRow {
    pub fn cell(&self, column: usize) -> Option<&Cell> {
        self.cells
            .binary_search_by_key(&column, |c| c.column)
            .ok()
            .and_then(|i| self.cells.get(i))
    }
}

/// Resources × calls.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourceMatrix {
    /// Tool call indices, one per column, in the order given to [`ResourceMatrix::build`].
    pub columns: Vec<usize>,
    pub rows: Vec<MatrixRow>,
}

impl ResourceMatrix {
    /// Builds the matrix of `calls`; calls without any access get no column unless
    /// `keep_empty_columns` (a batch shows all its siblings, the trace only those that matter).
    pub fn build(analysis: &Analysis, calls: &[usize], keep_empty_columns: bool) -> Self {
        let mut conflicts: HashMap<(usize, &str), Severity> = HashMap::new();
        for f in &analysis.findings {
            for &c in &f.calls {
                let e = conflicts
                    .entry((c, f.resource.as_str()))
                    .or_insert(f.severity);
                *e = (*e).max(f.severity);
            }
        }
        let mut columns = Vec::new();
        let mut by_resource: BTreeMap<&str, Vec<Cell>> = BTreeMap::new();
        for &call in calls {
            let accesses = analysis
                .accesses
                .get(call)
                .map(Vec::as_slice)
                .unwrap_or_default();
            if accesses.is_empty() && !keep_empty_columns {
                continue;
            }
            let column = columns.len();
            columns.push(call);
            // A call may report one resource several times (a read and a write, from different
            // evidence): merge into one mark.
            let mut merged: BTreeMap<&str, AccessMode> = BTreeMap::new();
            for a in accesses {
                let mode = merged.entry(a.resource.as_str()).or_insert(a.mode);
                *mode = merge(*mode, a.mode);
            }
            for (resource, mode) in merged {
                let conflict = conflicts.get(&(call, resource)).copied();
                by_resource.entry(resource).or_default().push(Cell {
                    column,
                    mode,
                    conflict,
                });
            }
        }
        let mut rows: Vec<MatrixRow> = by_resource
            .into_iter()
            .map(|(resource, cells)| MatrixRow {
                resource: sanitize::line(resource).into_owned(),
                conflict: cells.iter().filter_map(|c| c.conflict).max(),
                cells,
            })
            .collect();
        // Conflicting resources first (worst first), then shared ones, then by name.
        rows.sort_by(|a, b| {
            b.conflict
                .cmp(&a.conflict)
                .then(b.cells.len().min(2).cmp(&a.cells.len().min(2)))
                .then_with(|| a.resource.cmp(&b.resource))
        });
        Self { columns, rows }
    }

    pub fn column_of(&self, call: usize) -> Option<usize> {
        self.columns.iter().position(|c| *c == call)
    }
}

fn merge(a: AccessMode, b: AccessMode) -> AccessMode {
    if a == b {
        a
    } else {
        AccessMode::ReadWrite
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;

    #[test]
    fn conflicting_resource_comes_first_and_marks_both_writers() {
        let t = fixtures::lost_update();
        let m = ResourceMatrix::build(&t.analysis, &[1, 2], true);
        assert_eq!(m.columns, vec![1, 2]);
        let first = &m.rows[0];
        assert_eq!(first.resource, "account:acc-1001");
        assert_eq!(first.conflict, Some(Severity::Observed));
        assert_eq!(first.cells.len(), 2);
        assert!(first
            .cells
            .iter()
            .all(|c| c.mode == AccessMode::ReadWrite && c.conflict.is_some()));
    }

    #[test]
    fn trace_matrix_skips_calls_without_accesses() {
        let t = fixtures::lost_update();
        let all: Vec<usize> = (0..t.run.tool_calls.len()).collect();
        let m = ResourceMatrix::build(&t.analysis, &all, false);
        assert!(m
            .columns
            .iter()
            .all(|c| !t.analysis.accesses[*c].is_empty()));
    }
}
