//! Writes the versioned JSON contract ([`super::dto::Report`]) pretty-printed, ending in a newline.
//! The shape is documented in `docs/json-schema.md` and `assets/fanout-report.schema.json`.

use std::io::Write;

use super::dto::Report;

/// Writes `report` as pretty JSON.
pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    super::safe_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures;

    #[test]
    fn the_contract_has_the_documented_top_level_and_trace_keys() {
        let r = Report::new(&fixtures::all());
        let mut buf = Vec::new();
        write(&r, &mut buf).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["schema_version"], 1);
        let t = &v["traces"][0];
        for key in [
            "trace_id",
            "batches",
            "findings",
            "final_answer",
            "suspect_batch_ids",
            "timing",
            "conventions",
            "degradations",
            "latency",
        ] {
            assert!(t.get(key).is_some(), "missing {key}");
        }
        let call = &t["batches"][0]["calls"][0];
        assert_eq!(call["call_id"], "call_dep");
        assert_eq!(call["start_unix_nano"], 1_763_700_000_110_000_000u64);
        assert_eq!(call["accesses"][0]["mode"], "read_write");
        assert_eq!(
            t["findings"][0]["call_ids"],
            serde_json::json!(["call_dep", "call_wd"])
        );
        assert_eq!(t["findings"][0]["kind"], "shared_state_mutation");
        assert_eq!(t["suspect_batch_ids"], serde_json::json!(["b1"]));
        // Untimed transcripts carry nulls, never invented zeros.
        let untimed = &v["traces"][3];
        assert_eq!(untimed["timing"], "absent");
        assert!(untimed["batches"][0]["calls"][0]["start_unix_nano"].is_null());
        assert!(untimed["latency"]["total_nanos"].is_null());
    }

    #[test]
    fn the_contract_round_trips() {
        let r = Report::new(&fixtures::all());
        let text = serde_json::to_string(&r).unwrap();
        let back: Report = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
    }
}
