//! Machine-readable output: one tidy CSV file per pass (one row per scheme × structure × mix ×
//! threads), and the same records as JSON.

use std::fmt::Write as _;
use std::path::Path;

use benches::schemes::RATIO_BASELINE;

use crate::report::{Cell, mapping_cell, num};
use crate::runner::Results;

/// The columns every CSV file starts with; the pass's extras follow as `NAME_median`, `NAME_min`
/// and `NAME_max`.
pub const COLUMNS: [&str; 20] = [
    "pass",
    "scheme_id",
    "scheme",
    "origin",
    "structure",
    "mix",
    "threads",
    "metric_unit",
    "better",
    "runs",
    "median",
    "min",
    "max",
    "values",
    "ratio_to",
    "ratio_median",
    "ratio_min",
    "ratio_max",
    "verdict",
    "mapping",
];

/// One cell as `(column, value)` pairs, numbers unrounded.
fn record(results: &Results, cell: &Cell) -> Vec<(String, Value)> {
    let row = &results.rows[cell.row];
    let pass = cell.point.pass;
    let n = |x: f64| Value::Number(x);
    let t = |s: &str| Value::Text(s.to_owned());
    let ratio = |f: fn(&benches::measure::Spread) -> f64| {
        cell.ratio
            .as_ref()
            .map_or(Value::Text(String::new()), |r| n(f(r)))
    };
    let mut fields = vec![
        t(pass.id),
        t(&row.id),
        t(&row.name),
        t(match row.origin {
            benches::schemes::Origin::Ours => "ours",
            benches::schemes::Origin::Peer => "peer",
            benches::schemes::Origin::Baseline => "baseline",
        }),
        t(cell.point.structure.id),
        t(cell.point.mix.id),
        n(cell.point.threads as f64),
        t(pass.unit),
        t(pass.better.word()),
        n(cell.values.len() as f64),
        n(cell.value.median),
        n(cell.value.min),
        n(cell.value.max),
        t(&cell
            .values
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(";")),
        t(if cell.ratio.is_some() {
            RATIO_BASELINE
        } else {
            ""
        }),
        ratio(|r| r.median),
        ratio(|r| r.min),
        ratio(|r| r.max),
        t(cell.verdict.word()),
        t(&mapping_cell(row, pass)),
    ];
    let mut columns: Vec<String> = COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    for (i, (name, _)) in pass.extras.iter().enumerate() {
        let s = cell.extras[i];
        for (suffix, v) in [("median", s.median), ("min", s.min), ("max", s.max)] {
            columns.push(format!("{name}_{suffix}"));
            fields.push(n(v));
        }
    }
    columns.into_iter().zip(fields).collect()
}

enum Value {
    Number(f64),
    Text(String),
}

impl Value {
    fn csv(&self) -> String {
        match self {
            Value::Number(x) if x.is_finite() => x.to_string(),
            Value::Number(_) => String::new(),
            Value::Text(s) if s.contains([',', '"', '\n']) => {
                format!("\"{}\"", s.replace('"', "\"\""))
            }
            Value::Text(s) => s.clone(),
        }
    }

    fn json(&self) -> String {
        match self {
            Value::Number(x) if x.is_finite() => x.to_string(),
            Value::Number(_) => "null".to_owned(),
            Value::Text(s) => json_string(s),
        }
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes `PASS.csv` into `dir` for every pass that ran; returns the files written.
pub fn write_csv(
    dir: &Path,
    results: &Results,
    cells: &[Cell],
) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for pass in benches::workload::PASSES {
        let mine: Vec<&Cell> = cells
            .iter()
            .filter(|c| c.point.pass.id == pass.id)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let mut text = String::new();
        for (i, cell) in mine.iter().enumerate() {
            let rec = record(results, cell);
            if i == 0 {
                let header: Vec<&str> = rec.iter().map(|(c, _)| c.as_str()).collect();
                let _ = writeln!(text, "{}", header.join(","));
            }
            let line: Vec<String> = rec.iter().map(|(_, v)| v.csv()).collect();
            let _ = writeln!(text, "{}", line.join(","));
        }
        let path = dir.join(format!("{}.csv", pass.id));
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}

/// Everything as one JSON document: the run's context, every record, and the SUMMARY lines.
pub fn json(
    results: &Results,
    cells: &[Cell],
    context: &[(&str, String)],
    summary: &[String],
) -> String {
    let mut out = String::from("{\n");
    for (k, v) in context {
        let _ = writeln!(out, "  {}: {},", json_string(k), json_string(v));
    }
    let _ = writeln!(
        out,
        "  \"elapsed_s\": {},",
        num(results.elapsed.as_secs_f64())
    );
    out.push_str("  \"results\": [\n");
    for (i, cell) in cells.iter().enumerate() {
        let fields: Vec<String> = record(results, cell)
            .iter()
            .map(|(k, v)| format!("{}: {}", json_string(k), v.json()))
            .collect();
        let comma = if i + 1 < cells.len() { "," } else { "" };
        let _ = writeln!(out, "    {{{}}}{comma}", fields.join(", "));
    }
    out.push_str("  ],\n  \"summary\": [\n");
    for (i, line) in summary.iter().enumerate() {
        let comma = if i + 1 < summary.len() { "," } else { "" };
        let _ = writeln!(out, "    {}{comma}", json_string(line));
    }
    out.push_str("  ]\n}\n");
    out
}
