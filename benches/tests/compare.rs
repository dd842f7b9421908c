//! `compare --quick` end to end: it runs every pass on every scheme, prints tables that say
//! which direction is better and one SUMMARY line per scheme, writes one tidy CSV file per
//! pass that parses, and well-formed SVG charts. No timing is checked: a test run's figures
//! mean nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const COMPARE: &str = env!("CARGO_BIN_EXE_compare");

fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A CSV file as a header and rows, checking that every row has the header's width (quoted
/// fields may hold commas).
fn parse_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).expect("CSV file readable");
    let mut lines = text.lines().map(split_csv_line);
    let header = lines.next().expect("a header line");
    let rows: Vec<Vec<String>> = lines.collect();
    for row in &rows {
        assert_eq!(row.len(), header.len(), "{}: {row:?}", path.display());
    }
    (header, rows)
}

fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().unwrap().push(c),
        }
    }
    assert!(!quoted, "unbalanced quotes in {line:?}");
    fields
}

/// Checks that `text` is one `<svg>` element whose tags all balance.
fn assert_well_formed_svg(path: &Path) {
    let text = std::fs::read_to_string(path).expect("SVG readable");
    assert!(text.trim_start().starts_with("<svg"), "{}", path.display());
    let mut open: Vec<String> = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("every tag closes") + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') || tag.ends_with('/') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                open.pop().as_deref(),
                Some(name.trim()),
                "{}",
                path.display()
            );
        } else {
            let name = tag.split_whitespace().next().expect("a tag name");
            open.push(name.to_owned());
        }
    }
    assert!(open.is_empty(), "{}: unclosed {open:?}", path.display());
}

fn scheme_ids() -> Vec<String> {
    benches::schemes::all().into_iter().map(|s| s.id).collect()
}

#[test]
fn quick_run_writes_tables_csv_plots_and_summaries() {
    let dir = out_dir("compare-quick");
    let out = Command::new(COMPARE)
        .args(["--quick", "--csv"])
        .arg(&dir)
        .output()
        .expect("compare runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");

    // Tables: every one says which direction is better; emulations are marked in place, and so
    // are the rows that are not trait operations (registered readers).
    assert!(stdout.contains("Lower is better") && stdout.contains("Higher is better"));
    assert!(stdout.contains("synchronize emulated"), "{stdout}");
    assert!(stdout.contains("(registered reader)"), "{stdout}");
    assert!(stdout.contains("enter direct"), "{stdout}");

    // One SUMMARY line per scheme of this build, and nothing else starts with SUMMARY.
    let summaries: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("SUMMARY "))
        .collect();
    let ids = scheme_ids();
    assert_eq!(summaries.len(), ids.len(), "{summaries:#?}");
    for id in &ids {
        let tag = format!("compare:{id} ");
        assert_eq!(
            summaries.iter().filter(|l| l.contains(&tag)).count(),
            1,
            "{id}"
        );
    }
    assert!(
        stdout.contains(&format!("CSV files in {}", dir.display())),
        "{stdout}"
    );

    // CSV: one file per pass, tidy, every scheme present, numbers that parse.
    for pass in benches::workload::PASSES {
        let (header, rows) = parse_csv(&dir.join(format!("{}.csv", pass.id)));
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("{}: no column {name}", pass.id))
        };
        let seen: BTreeSet<&str> = rows.iter().map(|r| r[col("scheme_id")].as_str()).collect();
        for id in &ids {
            assert!(seen.contains(id.as_str()), "{}: no row for {id}", pass.id);
        }
        let mut keys = BTreeSet::new();
        for row in &rows {
            assert_eq!(row[col("pass")], pass.id);
            assert_eq!(row[col("better")], pass.better.word());
            let median: f64 = row[col("median")].parse().expect("median is a number");
            let (min, max): (f64, f64) = (
                row[col("min")].parse().unwrap(),
                row[col("max")].parse().unwrap(),
            );
            assert!(min <= median && median <= max, "{row:?}");
            assert_eq!(row[col("runs")], "2");
            assert_eq!(row[col("values")].split(';').count(), 2);
            let verdict = row[col("verdict")].as_str();
            assert!(
                ["better", "worse", "tie", "baseline", "-"].contains(&verdict),
                "{verdict}"
            );
            let key = (
                row[col("scheme_id")].clone(),
                row[col("structure")].clone(),
                row[col("mix")].clone(),
                row[col("threads")].clone(),
            );
            assert!(
                keys.insert(key),
                "one row per scheme x structure x mix x threads"
            );
        }
    }

    // SVG: the read-side chart and one throughput chart per structure and mix.
    let svgs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .collect();
    assert!(dir.join("read-side.svg").exists());
    assert!(dir.join("throughput-hashmap-90-5-5.svg").exists());
    assert!(dir.join("throughput-tree-50-25-25.svg").exists());
    assert!(dir.join("throughput-treiber-stack-pop-push.svg").exists());
    // read side + (hash map, list, tree) x 4 mixes + stack
    let expected = 1 + 3 * 4 + 1;
    assert!(svgs.len() >= expected, "{svgs:?}");
    for svg in &svgs {
        assert_well_formed_svg(svg);
    }
}

#[test]
fn json_and_selection() {
    let out = Command::new(COMPARE)
        .args([
            "--quick",
            "--json",
            "--no-files",
            "--pass",
            "read-side",
            "--only",
            "gus",
        ])
        .output()
        .expect("compare runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(json.trim_start().starts_with('{') && json.trim_end().ends_with('}'));
    assert!(json.contains("\"results\": [") && json.contains("\"summary\": ["));
    assert!(json.contains("\"scheme_id\": \"gus-default\""));
    // The ratio baseline always runs; other schemes are filtered out.
    assert!(json.contains("\"scheme_id\": \"crossbeam-epoch\""));
    assert!(!json.contains("\"scheme_id\": \"seize\""));
    assert!(!json.contains("\"pass\": \"throughput\""));
}

#[test]
fn help_explains_every_pass_and_bad_arguments_are_refused() {
    let out = Command::new(COMPARE).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for pass in benches::workload::PASSES {
        assert!(help.contains(pass.id), "--help says nothing of {}", pass.id);
    }
    for option in [
        "--quick",
        "--full",
        "--only",
        "--pass",
        "--threads",
        "--mix",
        "--runs",
        "--seconds",
        "--markdown",
        "--json",
        "--csv",
        "--plots",
        "--no-files",
        "--list",
    ] {
        assert!(help.contains(option), "--help says nothing of {option}");
    }
    let out = Command::new(COMPARE).arg("--frobnicate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--frobnicate"));
    let out = Command::new(COMPARE)
        .args(["--pass", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
