//! SQL statements found in tool arguments or DB child spans, parsed with `sqlparser` into the
//! rows and tables they touch. A `WHERE id = 'X'` (or `<table>_id = 'X'`) names one row, written
//! as the entity `<singular table>:<x>` so it matches ids found in plain arguments; anything
//! else touches the whole table (`<singular table>:*`).

use sqlparser::ast::{
    BinaryOperator, Expr, FromTable, Query, SetExpr, Statement, TableFactor, TableObject,
    TableWithJoins, Value,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use super::names::{entity_resource, normalize_id, singular};
use crate::analysis::types::AccessMode;

/// One table or row a statement touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlAccess {
    pub resource: String,
    pub mode: AccessMode,
    /// `INSERT` of a row with a known key: the statement creates it.
    pub creates: bool,
    /// The statement verb, for evidence lines (`UPDATE`).
    pub verb: &'static str,
}

/// Parses `sql`; `None` when it is not SQL (a search query in a `query` argument, say).
pub fn sql_accesses(sql: &str) -> Option<Vec<SqlAccess>> {
    let text = sql.trim();
    if text.len() < 6 || text.len() > 100_000 {
        return None;
    }
    let first = text.split_whitespace().next()?.to_ascii_uppercase();
    if !matches!(
        first.as_str(),
        "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "WITH" | "REPLACE" | "UPSERT" | "MERGE"
    ) {
        return None;
    }
    let statements = Parser::parse_sql(&GenericDialect {}, text).ok()?;
    let mut out = Vec::new();
    for st in &statements {
        statement(st, &mut out);
    }
    (!out.is_empty()).then_some(out)
}

fn statement(st: &Statement, out: &mut Vec<SqlAccess>) {
    match st {
        Statement::Query(q) => query(q, out),
        Statement::Insert(ins) => {
            let TableObject::TableName(name) = &ins.table else {
                return;
            };
            let table = table_name(&name.to_string());
            let mut keys = Vec::new();
            if let Some(src) = &ins.source {
                if let SetExpr::Values(values) = src.body.as_ref() {
                    let key_col = ins
                        .columns
                        .iter()
                        .position(|c| is_key_column(&c.to_string(), &table));
                    for row in &values.rows {
                        if let Some(v) = key_col.and_then(|i| row.content.get(i)).and_then(literal)
                        {
                            keys.push(v);
                        }
                    }
                } else {
                    query(src, out);
                }
            }
            if keys.is_empty() {
                out.push(SqlAccess {
                    resource: entity_resource(&table, "*"),
                    mode: AccessMode::Write,
                    creates: false,
                    verb: "INSERT",
                });
            }
            for k in keys {
                out.push(SqlAccess {
                    resource: entity_resource(&table, &k),
                    mode: AccessMode::Write,
                    creates: true,
                    verb: "INSERT",
                });
            }
        }
        Statement::Update(up) => {
            // An UPDATE reads the row it changes (SET x = x + 1, WHERE) and writes it.
            for t in tables_of(std::slice::from_ref(&up.table)) {
                let key = up.selection.as_ref().and_then(|e| key_of(e, &t));
                let resource = entity_resource(&t, key.as_deref().unwrap_or("*"));
                out.push(SqlAccess {
                    resource,
                    mode: AccessMode::ReadWrite,
                    creates: false,
                    verb: "UPDATE",
                });
            }
        }
        Statement::Delete(del) => {
            let from = match &del.from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
            };
            for t in tables_of(from) {
                let key = del.selection.as_ref().and_then(|e| key_of(e, &t));
                let resource = entity_resource(&t, key.as_deref().unwrap_or("*"));
                out.push(SqlAccess {
                    resource,
                    mode: AccessMode::Write,
                    creates: false,
                    verb: "DELETE",
                });
            }
        }
        _ => {}
    }
}

fn query(q: &Query, out: &mut Vec<SqlAccess>) {
    if let Some(with) = &q.with {
        for cte in &with.cte_tables {
            query(&cte.query, out);
        }
    }
    set_expr(&q.body, out);
}

fn set_expr(body: &SetExpr, out: &mut Vec<SqlAccess>) {
    match body {
        SetExpr::Select(sel) => {
            let tables = tables_of(&sel.from);
            let single = tables.len() == 1;
            for t in tables {
                let key = if single {
                    sel.selection.as_ref().and_then(|e| key_of(e, &t))
                } else {
                    None
                };
                let resource = entity_resource(&t, key.as_deref().unwrap_or("*"));
                out.push(SqlAccess {
                    resource,
                    mode: AccessMode::Read,
                    creates: false,
                    verb: "SELECT",
                });
            }
        }
        SetExpr::Query(q) => query(q, out),
        SetExpr::SetOperation { left, right, .. } => {
            set_expr(left, out);
            set_expr(right, out);
        }
        _ => {}
    }
}

fn tables_of(from: &[TableWithJoins]) -> Vec<String> {
    let mut out = Vec::new();
    for twj in from {
        for factor in std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation)) {
            if let TableFactor::Table { name, .. } = factor {
                out.push(table_name(&name.to_string()));
            }
        }
    }
    out
}

/// `main."Accounts"` → `account`.
fn table_name(raw: &str) -> String {
    let last = raw.rsplit('.').next().unwrap_or(raw);
    singular(last.trim_matches(|c| c == '"' || c == '`' || c == '[' || c == ']'))
}

fn is_key_column(col: &str, table: &str) -> bool {
    let c = col
        .trim_matches(|c| c == '"' || c == '`')
        .to_ascii_lowercase();
    let c = c.rsplit('.').next().unwrap_or(&c);
    c == "id" || c == format!("{table}_id") || c == "key" || c == "uuid"
}

/// The literal the WHERE clause pins the key column to, searching through ANDs.
fn key_of(e: &Expr, table: &str) -> Option<String> {
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => key_of(left, table).or_else(|| key_of(right, table)),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } => {
            let (col, val) = match (column(left), column(right)) {
                (Some(c), None) => (c, right),
                (None, Some(c)) => (c, left),
                _ => return None,
            };
            is_key_column(&col, table).then(|| literal(val)).flatten()
        }
        Expr::Nested(inner) => key_of(inner, table),
        _ => None,
    }
}

fn column(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(id) => Some(id.value.clone()),
        Expr::CompoundIdentifier(ids) => ids.last().map(|i| i.value.clone()),
        _ => None,
    }
}

fn literal(e: &Expr) -> Option<String> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => normalize_id(s),
            Value::Number(n, _) => Some(n.clone()),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_become_row_and_table_accesses() {
        let a = sql_accesses("UPDATE accounts SET balance = balance + 10 WHERE id = 'ACC-1001'")
            .unwrap();
        assert_eq!(a[0].resource, "account:acc-1001");
        assert_eq!(a[0].mode, AccessMode::ReadWrite);
        let a = sql_accesses("SELECT * FROM orders o JOIN customers c ON o.customer_id = c.id")
            .unwrap();
        assert_eq!(
            a.iter().map(|x| x.resource.as_str()).collect::<Vec<_>>(),
            ["order:*", "customer:*"]
        );
        let a =
            sql_accesses("INSERT INTO orders (id, customer_id) VALUES ('ORD-9', 'C1')").unwrap();
        assert!(a[0].creates && a[0].resource == "order:ord-9");
        let a = sql_accesses("DELETE FROM sessions WHERE session_id = 's1' AND x > 2").unwrap();
        assert_eq!(
            (a[0].resource.as_str(), a[0].mode),
            ("session:s1", AccessMode::Write)
        );
        assert_eq!(sql_accesses("best coffee grinders"), None);
        assert_eq!(sql_accesses("SELECT (("), None);
    }
}
