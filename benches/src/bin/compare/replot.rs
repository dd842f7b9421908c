//! `--replot DIR`: the charts of a recorded run, redrawn from its CSV files (and its
//! `run.json`) without running anything, so that a run recorded before a chart existed, or
//! measured elsewhere, gets every chart of this version.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use benches::measure::Spread;
use benches::schemes::Origin;
use benches::targets::{KeySet, KeySetVisitor, for_each_key_set};
use benches::workload::{self, Label, Point, Settings, mixes::Mix, stack};

use crate::context::{Context, Item};
use crate::report::{Cell, Verdict};
use crate::runner::{Results, Row};

/// Redraws the charts of the run whose CSV files are in `dir` into `plots`; returns the files
/// written.
pub fn replot(dir: &Path, plots: &Path) -> Result<Vec<PathBuf>, String> {
    let labels = known_labels();
    let label = |id: &str| -> Label {
        labels
            .iter()
            .copied()
            .find(|l| l.id == id)
            .unwrap_or_else(|| {
                let id: &'static str = Box::leak(id.to_owned().into_boxed_str());
                Label { id, name: id }
            })
    };
    let mut rows: Vec<Row> = Vec::new();
    let mut cells: Vec<Cell> = Vec::new();
    let mut runs = 1;
    for pass in workload::PASSES {
        let path = dir.join(format!("{}.csv", pass.id));
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let mut lines = text.lines().map(split_csv_line);
        let header = lines.next().unwrap_or_default();
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| format!("{}: no column {name}", path.display()))
        };
        let c = Columns {
            scheme_id: col("scheme_id")?,
            scheme: col("scheme")?,
            origin: col("origin")?,
            structure: col("structure")?,
            mix: col("mix")?,
            threads: col("threads")?,
            runs: col("runs")?,
            median: col("median")?,
            min: col("min")?,
            max: col("max")?,
            values: col("values")?,
            ratio: [col("ratio_median")?, col("ratio_min")?, col("ratio_max")?],
            verdict: col("verdict")?,
        };
        for (i, f) in lines.enumerate() {
            let bad = || format!("{}: line {} does not parse", path.display(), i + 2);
            let num = |k: usize| f.get(k).and_then(|v| v.parse::<f64>().ok());
            let id = f.get(c.scheme_id).ok_or_else(bad)?.clone();
            let row = match rows.iter().position(|r| r.id == id) {
                Some(r) => r,
                None => {
                    rows.push(Row {
                        scheme_id: id.split('+').next().unwrap_or(&id).to_owned(),
                        id: id.clone(),
                        name: f.get(c.scheme).ok_or_else(bad)?.clone(),
                        origin: match f.get(c.origin).map(String::as_str) {
                            Some("ours") => Origin::Ours,
                            Some("peer") => Origin::Peer,
                            _ => Origin::Baseline,
                        },
                        mapping: peers::Mapping::NATIVE,
                    });
                    rows.len() - 1
                }
            };
            runs = runs.max(num(c.runs).unwrap_or(1.0) as usize);
            let threads = num(c.threads).ok_or_else(bad)? as usize;
            let point = Point::new(
                pass,
                label(f.get(c.structure).ok_or_else(bad)?),
                label(f.get(c.mix).ok_or_else(bad)?),
                threads,
            );
            let ratio = match c.ratio.map(num) {
                [Some(median), Some(min), Some(max)] => Some(Spread { median, min, max }),
                _ => None,
            };
            cells.push(Cell {
                row,
                point,
                values: f
                    .get(c.values)
                    .map(|v| v.split(';').filter_map(|x| x.parse().ok()).collect())
                    .unwrap_or_default(),
                value: Spread {
                    median: num(c.median).ok_or_else(bad)?,
                    min: num(c.min).ok_or_else(bad)?,
                    max: num(c.max).ok_or_else(bad)?,
                },
                extras: vec![Spread::of(&[]); pass.extras.len()],
                ratio,
                verdict: match f.get(c.verdict).map(String::as_str) {
                    Some("baseline") => Verdict::Baseline,
                    Some("better") => Verdict::Better,
                    Some("worse") => Verdict::Worse,
                    Some("tie") => Verdict::Tie,
                    _ => Verdict::None,
                },
            });
        }
    }
    if cells.is_empty() {
        return Err(format!("no CSV file of compare in {}", dir.display()));
    }
    let mut settings = Settings::default_mode();
    settings.runs = runs;
    let results = Results {
        settings,
        rows,
        points: Vec::new(),
        samples: HashMap::new(),
        scale: 1.0,
        elapsed: Duration::ZERO,
    };
    let context = read_context(dir);
    crate::plot::write_svgs(plots, &results, &cells, &context)
        .map_err(|e| format!("cannot draw the charts in {}: {e}", plots.display()))
}

struct Columns {
    scheme_id: usize,
    scheme: usize,
    origin: usize,
    structure: usize,
    mix: usize,
    threads: usize,
    runs: usize,
    median: usize,
    min: usize,
    max: usize,
    values: usize,
    ratio: [usize; 3],
    verdict: usize,
}

/// Every structure and mix label the workloads use, for their display names.
fn known_labels() -> Vec<Label> {
    struct Collect(Vec<Label>);
    impl KeySetVisitor<peers::CrossbeamEpoch> for Collect {
        fn visit<S: KeySet<peers::CrossbeamEpoch>>(&mut self) {
            self.0.push(Label {
                id: S::ID,
                name: S::NAME,
            });
        }
    }
    let mut labels = Collect(Vec::new());
    for_each_key_set(&mut labels);
    let mut labels = labels.0;
    labels.extend(Mix::ALL.iter().map(|m| m.label()));
    labels.extend([stack::STRUCTURE, stack::OPERATION, Label::NONE]);
    labels
}

/// The recorded run's `run.json`, or a context that says there was none.
fn read_context(dir: &Path) -> Context {
    let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
    let mut items = Vec::new();
    if let Ok(json) = std::fs::read_to_string(dir.join("run.json")) {
        for line in json.lines() {
            let Some((key, value)) = line.trim().trim_end_matches(',').split_once("\": ") else {
                continue;
            };
            let key = key.trim_start_matches('"');
            if key == "csv_files" || key == "about" {
                continue;
            }
            let number = !value.starts_with('"');
            let value = value
                .trim_matches('"')
                .replace("\\\"", "\"")
                .replace("\\\\", "\\");
            items.push(Item {
                key: leak(key),
                value,
                number,
            });
        }
    }
    if items.is_empty() {
        items.push(Item {
            key: "context",
            value: format!("unknown: {} has no run.json", dir.display()),
            number: false,
        });
    }
    items.push(Item {
        key: "charts",
        value: "redrawn from the CSV files by compare --replot".to_owned(),
        number: false,
    });
    Context { items }
}

/// One CSV line's fields (quoted fields may hold commas and doubled quotes).
fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let field = fields.last_mut().expect("one field");
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => field.push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_unquote() {
        assert_eq!(
            split_csv_line("a,\"b, c\",\"d \"\"e\"\"\","),
            ["a", "b, c", "d \"e\"", ""]
        );
    }
}
