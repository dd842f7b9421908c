//! Machine-readable output: one tidy CSV file per pass (one row per scheme × structure × mix ×
//! threads, each ending with the run's `started_utc`), `run.json` beside them with the run's
//! context, and the same records as JSON.

use std::fmt::Write as _;
use std::path::Path;

use benches::schemes::RATIO_BASELINE;

use crate::context::{Context, json_string};
use crate::report::{Cell, mapping_cell};
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

#[derive(Clone)]
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

/// The column every CSV row ends with: the run's start, the same as `run.json`'s, which ties the
/// row to its context.
pub const RUN_COLUMN: &str = "started_utc";

/// Writes `PASS.csv` into `dir` for every pass that ran, and `run.json` with the run's context;
/// returns the CSV files written.
pub fn write_csv(
    dir: &Path,
    results: &Results,
    cells: &[Cell],
    context: &Context,
) -> std::io::Result<Vec<std::path::PathBuf>> {
    let started = Value::Text(context.get(RUN_COLUMN).unwrap_or_default().to_owned());
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
            let mut rec = record(results, cell);
            rec.push((RUN_COLUMN.to_owned(), started.clone()));
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
    let names: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    context.write_run_json(dir, &names)?;
    Ok(written)
}

/// Everything as one JSON document: the run's context, every record, and the SUMMARY lines.
pub fn json(results: &Results, cells: &[Cell], context: &Context, summary: &[String]) -> String {
    let mut out = String::from("{\n");
    out.push_str(&context.json_members("  "));
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
