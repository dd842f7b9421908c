//! From samples to figures: the median and range of each cell, its ratio to the baseline peer
//! from paired runs, and whether that ratio is a win, a loss or a tie; then the tables and the
//! SUMMARY lines.

use std::fmt::Write as _;

use benches::measure::Spread;
use benches::schemes::{Origin, RATIO_BASELINE, Scheme};
use benches::workload::{Better, Pass, Point};
use peers::Fidelity;

use crate::runner::{Results, Row};

/// How a cell compares with the ratio baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// This row is the ratio baseline.
    Baseline,
    /// Better than the baseline in every run pair.
    Better,
    /// Worse than the baseline in every run pair.
    Worse,
    /// The ratios of the run pairs include 1.0: neither wins.
    Tie,
    /// No ratio (a baseline row, or the ratio baseline did not run this point).
    None,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Baseline => "baseline",
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::Tie => "tie",
            Verdict::None => "-",
        }
    }

    fn mark(self) -> &'static str {
        match self {
            Verdict::Better => " +",
            Verdict::Worse => " -",
            Verdict::Tie => " ~",
            Verdict::Baseline | Verdict::None => "",
        }
    }
}

/// One row's figures at one point.
#[derive(Clone, Debug)]
pub struct Cell {
    pub row: usize,
    pub point: Point,
    /// The metric of each run, in run order.
    pub values: Vec<f64>,
    pub value: Spread,
    /// The spread of each of the pass's extras.
    pub extras: Vec<Spread>,
    /// Per-run ratios to the baseline peer's run of the same round.
    pub ratio: Option<Spread>,
    pub verdict: Verdict,
}

/// Every cell, in report order (points, then rows).
pub fn cells(results: &Results) -> Vec<Cell> {
    let base_row = results.ratio_row();
    let mut cells = Vec::new();
    for point in &results.points {
        let base = base_row.and_then(|b| results.samples.get(&(point.key(), b)));
        for row in 0..results.rows.len() {
            let Some(samples) = results.samples.get(&(point.key(), row)) else {
                continue;
            };
            let values: Vec<f64> = samples.iter().map(|s| s[0]).collect();
            let extras = (0..point.pass.extras.len())
                .map(|i| Spread::of(&samples.iter().map(|s| s[i + 1]).collect::<Vec<_>>()))
                .collect();
            let is_peer_base = Some(row) == base_row;
            let ratio = match base {
                Some(base) if results.rows[row].origin != Origin::Baseline && !is_peer_base => {
                    // Runs pair up by round: run i of every row ran back to back.
                    let ratios: Vec<f64> = values
                        .iter()
                        .zip(base)
                        .filter(|(_, b)| b[0] > 0.0)
                        .map(|(v, b)| v / b[0])
                        .collect();
                    (!ratios.is_empty()).then(|| Spread::of(&ratios))
                }
                _ => None,
            };
            let verdict = if is_peer_base {
                Verdict::Baseline
            } else {
                match ratio {
                    None => Verdict::None,
                    Some(r) if r.contains(1.0) => Verdict::Tie,
                    Some(r) => {
                        let above = r.min > 1.0;
                        match (point.pass.better, above) {
                            (Better::Higher, true) | (Better::Lower, false) => Verdict::Better,
                            _ => Verdict::Worse,
                        }
                    }
                }
            };
            cells.push(Cell {
                row,
                point: *point,
                value: Spread::of(&values),
                values,
                extras,
                ratio,
                verdict,
            });
        }
    }
    cells
}

/// A number with about three significant digits.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        "-".to_owned()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn spread(s: &Spread, runs: usize) -> String {
    if runs > 1 {
        format!("{} [{}–{}]", num(s.median), num(s.min), num(s.max))
    } else {
        num(s.median)
    }
}

fn ratio_cell(cell: &Cell) -> String {
    match (cell.verdict, cell.ratio) {
        (Verdict::Baseline, _) => "1 (base)".to_owned(),
        (_, Some(r)) => format!("{:.2}x{}", r.median, cell.verdict.mark()),
        _ => "-".to_owned(),
    }
}

/// The row's mapping of the operations `pass` exercises: `native`, or each one that is not.
pub fn mapping_cell(row: &Row, pass: &Pass) -> String {
    if row.origin == Origin::Baseline {
        return "-".to_owned();
    }
    let marks: Vec<String> = pass
        .ops
        .iter()
        .filter_map(|&op| match row.mapping.of(op) {
            Fidelity::Native => None,
            f => Some(format!("{} {}", op.name(), f.label())),
        })
        .collect();
    if marks.is_empty() {
        "native".to_owned()
    } else {
        marks.join(", ")
    }
}

/// A table: a title, a legend, a header, rows of cells, and notes under it.
pub struct Table {
    pub title: String,
    pub legend: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub notes: Vec<String>,
}

/// One table per pass, structure and mix, with a column pair per thread count.
pub fn tables(results: &Results, cells: &[Cell]) -> Vec<Table> {
    let runs = results.settings.runs.max(1);
    let mut groups: Vec<(&'static str, &'static str, &'static str)> = Vec::new();
    for c in cells {
        let g = (c.point.pass.id, c.point.structure.id, c.point.mix.id);
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    groups
        .into_iter()
        .map(|g| {
            let group: Vec<&Cell> = cells
                .iter()
                .filter(|c| (c.point.pass.id, c.point.structure.id, c.point.mix.id) == g)
                .collect();
            table(results, &group, runs)
        })
        .collect()
}

fn table(results: &Results, group: &[&Cell], runs: usize) -> Table {
    let point = group[0].point;
    let pass = point.pass;
    let mut threads: Vec<usize> = group.iter().map(|c| c.point.threads).collect();
    threads.sort_unstable();
    threads.dedup();
    let mut title = pass.title.to_owned();
    if point.structure.id != "-" {
        title.push_str(&format!(" — {}", point.structure.name));
    }
    if point.mix.id != "-" {
        title.push_str(&format!(", {}", point.mix.name));
        if point.mix.name.contains('/') {
            title.push_str(" (lookup/insert/remove %)");
        }
    }
    if threads.len() == 1 && point.threads > 1 {
        title.push_str(&format!(", {} threads", point.threads));
    }
    let legend = format!(
        "{} is better. Cells: median [min–max] of {runs} interleaved run{}. Ratio: to \
         {RATIO_BASELINE}, median of the per-run ratios; + better, - worse, ~ tie (the ratios' \
         range includes 1.00).",
        capitalized(pass.better.word()),
        if runs == 1 { "" } else { "s" },
    );
    let mut header = vec!["scheme".to_owned(), "mapping".to_owned()];
    for &t in &threads {
        if threads.len() > 1 {
            header.push(format!("{t} thr, {}", pass.unit));
        } else {
            header.push(pass.unit.to_owned());
        }
        header.push("ratio".to_owned());
    }
    for (name, unit) in pass.extras {
        header.push(format!("{name}, {unit}"));
    }
    let mut row_ids: Vec<usize> = Vec::new();
    for c in group {
        if !row_ids.contains(&c.row) {
            row_ids.push(c.row);
        }
    }
    // One note per distinct (operation, fidelity, note), naming the rows it applies to in table
    // order, rather than one per row.
    type NoteKey = (&'static str, &'static str, &'static str);
    let mut notes: Vec<(NoteKey, Vec<&str>)> = Vec::new();
    let rows = row_ids
        .iter()
        .map(|&r| {
            let row = &results.rows[r];
            let mut line = vec![row.name.clone(), mapping_cell(row, pass)];
            for &t in &threads {
                match group.iter().find(|c| c.row == r && c.point.threads == t) {
                    Some(c) => {
                        line.push(spread(&c.value, runs));
                        line.push(ratio_cell(c));
                    }
                    None => line.extend(["-".to_owned(), "-".to_owned()]),
                }
            }
            let last = group.iter().rev().find(|c| c.row == r);
            for i in 0..pass.extras.len() {
                line.push(last.map_or("-".to_owned(), |c| num(c.extras[i].median)));
            }
            if row.origin != Origin::Baseline {
                for &op in pass.ops {
                    let fidelity = row.mapping.of(op);
                    if let Some(note) = fidelity.note() {
                        let key = (op.name(), fidelity.label(), note);
                        match notes.iter_mut().find(|(k, _)| *k == key) {
                            Some((_, names)) => names.push(&row.name),
                            None => notes.push((key, vec![&row.name])),
                        }
                    }
                }
            }
            line
        })
        .collect();
    let notes = notes
        .into_iter()
        .map(|((op, label, note), names)| format!("{}: {op} {label}: {note}", names.join(", ")))
        .collect();
    Table {
        title,
        legend,
        header,
        rows,
        notes,
    }
}

fn capitalized(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

impl Table {
    /// Aligned plain text.
    pub fn text(&self, out: &mut String) {
        let width: Vec<usize> = (0..self.header.len())
            .map(|c| {
                self.rows
                    .iter()
                    .chain(std::iter::once(&self.header))
                    .map(|r| r[c].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let _ = writeln!(out, "{}\n{}", self.title, self.legend);
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let line: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, cell)| {
                    let pad = width[c] - cell.chars().count();
                    if c < 2 {
                        format!("{cell}{}", " ".repeat(pad))
                    } else {
                        format!("{}{cell}", " ".repeat(pad))
                    }
                })
                .collect();
            let _ = writeln!(out, "  {}", line.join("  ").trim_end());
        }
        for note in &self.notes {
            let _ = writeln!(out, "  * {note}");
        }
        out.push('\n');
    }

    /// A markdown table, for docs.
    pub fn markdown(&self, out: &mut String) {
        let _ = writeln!(out, "**{}**\n\n_{}_\n", self.title, self.legend);
        let _ = writeln!(out, "| {} |", self.header.join(" | "));
        let align: String = (0..self.header.len())
            .map(|c| if c < 2 { "---|" } else { "---:|" })
            .collect();
        let _ = writeln!(out, "|{align}");
        for row in &self.rows {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        if !self.notes.is_empty() {
            out.push('\n');
        }
        for note in &self.notes {
            let _ = writeln!(out, "- {note}");
        }
        out.push('\n');
    }
}

/// One line per scheme in the spirit of liburcu's `test_urcu`: the program, then fixed
/// `key value` pairs (`-` where a pass did not run).
pub fn summary_lines(results: &Results, cells: &[Cell], schemes: &[Scheme]) -> Vec<String> {
    schemes
        .iter()
        .map(|scheme| {
            let row = results.rows.iter().position(|r| r.id == scheme.id);
            let mine: Vec<&Cell> = cells.iter().filter(|c| Some(c.row) == row).collect();
            let of = |pass: &str| mine.iter().find(|c| c.point.pass.id == pass);
            let median = |pass: &str| of(pass).map_or("-".to_owned(), |c| num(c.value.median));
            let direct = results
                .rows
                .iter()
                .position(|r| r.scheme_id == scheme.id && r.id != scheme.id)
                .and_then(|v| cells.iter().find(|c| c.row == v))
                .map_or("-".to_owned(), |c| num(c.value.median));
            let throughput: Vec<f64> = mine
                .iter()
                .filter(|c| c.point.pass.id == "throughput")
                .filter_map(|c| c.ratio.map(|r| r.median))
                .filter(|r| *r > 0.0)
                .collect();
            let geomean = if throughput.is_empty() {
                "-".to_owned()
            } else {
                let mean_log =
                    throughput.iter().map(|r| r.ln()).sum::<f64>() / throughput.len() as f64;
                format!("{:.2}x", mean_log.exp())
            };
            let count = |v: Verdict| mine.iter().filter(|c| c.verdict == v).count();
            format!(
                "SUMMARY {:<28} read_ns {:>7} read_direct_ns {:>6} throughput_vs_{RATIO_BASELINE} \
                 {:>6} better {:>3} tie {:>3} worse {:>3} grace_period_us {:>8} \
                 unreclaimed_avg {:>8} peak_mib {:>7}",
                format!("compare:{}", scheme.id),
                median("read-side"),
                direct,
                geomean,
                count(Verdict::Better),
                count(Verdict::Tie),
                count(Verdict::Worse),
                median("grace-period"),
                median("unreclaimed"),
                median("memory"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::Results;
    use benches::workload::{Label, Settings, mixes};
    use std::collections::HashMap;
    use std::time::Duration;

    fn row(id: &str, origin: Origin) -> Row {
        Row {
            id: id.to_owned(),
            scheme_id: id.to_owned(),
            name: id.to_owned(),
            origin,
            mapping: peers::Mapping::NATIVE,
        }
    }

    /// Three rows at one throughput point: the baseline peer, one that always wins, and one
    /// whose runs straddle the baseline.
    fn results() -> Results {
        let point = Point::new(&mixes::PASS, Label::NONE, Label::NONE, 1);
        let rows = vec![
            row(RATIO_BASELINE, Origin::Peer),
            row("winner", Origin::Ours),
            row("straddler", Origin::Ours),
        ];
        let mut samples = HashMap::new();
        samples.insert((point.key(), 0), vec![vec![10.0], vec![10.0], vec![10.0]]);
        samples.insert((point.key(), 1), vec![vec![12.0], vec![11.0], vec![13.0]]);
        samples.insert((point.key(), 2), vec![vec![9.0], vec![11.0], vec![10.5]]);
        Results {
            settings: Settings::quick(),
            rows,
            points: vec![point],
            samples,
            scale: 1.0,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn a_range_that_includes_one_is_a_tie() {
        let cells = cells(&results());
        let verdicts: Vec<Verdict> = cells.iter().map(|c| c.verdict).collect();
        assert_eq!(verdicts, [Verdict::Baseline, Verdict::Better, Verdict::Tie]);
        let winner = cells[1].ratio.unwrap();
        assert_eq!((winner.min, winner.median, winner.max), (1.1, 1.2, 1.3));
    }

    #[test]
    fn lower_is_better_flips_the_verdict() {
        let mut r = results();
        let point = Point::new(
            &benches::workload::grace_period::PASS,
            Label::NONE,
            Label::NONE,
            1,
        );
        r.points = vec![point];
        r.samples = r
            .samples
            .into_iter()
            .map(|((_, row), v)| {
                (
                    (point.key(), row),
                    v.into_iter()
                        .map(|s| {
                            let mut sample = vec![0.0; 1 + point.pass.extras.len()];
                            sample[0] = s[0];
                            sample
                        })
                        .collect(),
                )
            })
            .collect();
        let cells = cells(&r);
        assert_eq!(cells[1].verdict, Verdict::Worse);
    }

    #[test]
    fn tables_say_which_direction_is_better() {
        let r = results();
        let cells = cells(&r);
        let mut text = String::new();
        for t in tables(&r, &cells) {
            t.text(&mut text);
        }
        assert!(text.contains("Higher is better"));
        assert!(text.contains("1.20x +") && text.contains(" ~"));
    }
}
