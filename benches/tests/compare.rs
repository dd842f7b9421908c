//! `compare --quick` end to end: it runs every pass on every scheme, prints tables that say
//! which direction is better and one SUMMARY line per scheme, writes one tidy CSV file per
//! pass that parses, `run.json` with the run's context, and well-formed SVG charts that carry
//! the context, among them the ratio chart with a mark for every ratio of the CSV. No timing is
//! checked: a test run's figures mean nothing.

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
        stdout.contains(&format!("CSV files and run.json in {}", dir.display())),
        "{stdout}"
    );
    // The default rows name the configuration they resolved to.
    for (id, name) in [
        ("srcu-default", "SRCU default ("),
        ("gus-default", "GUS default ("),
        ("gus-fenced", "GUS fenced"),
        ("epoch-default", "epoch default ("),
        ("epoch-fenced", "epoch fenced"),
    ] {
        assert!(ids.iter().any(|i| i == id), "no {id} row");
        assert!(stdout.contains(name), "no {name} in the tables");
    }

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

    // SVG: the ratio chart, one throughput chart per structure and mix, one bar chart per
    // one-point pass.
    let svgs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .collect();
    for name in [
        "ratios.svg",
        "read-side.svg",
        "grace-period.svg",
        "unreclaimed.svg",
        "memory.svg",
        "throughput-hashmap-90-5-5.svg",
        "throughput-tree-50-25-25.svg",
        "throughput-treiber-stack-pop-push.svg",
    ] {
        assert!(dir.join(name).exists(), "no {name} in {svgs:?}");
    }
    // ratios + 4 bar charts + (hash map, list, tree) x 4 mixes + stack
    let expected = 1 + 4 + 3 * 4 + 1;
    assert_eq!(svgs.len(), expected, "{svgs:?}");
    for svg in &svgs {
        assert_well_formed_svg(svg);
    }
}

/// The value of `key` in a flat JSON object of strings and numbers (`run.json`).
fn json_value(json: &str, key: &str) -> Option<String> {
    let at = json.find(&format!("\"{key}\": "))? + key.len() + 4;
    let rest = &json[at..];
    Some(match rest.strip_prefix('"') {
        Some(quoted) => quoted[..quoted.find('"')?].to_owned(),
        None => rest[..rest.find([',', '\n'])?].trim().to_owned(),
    })
}

/// Every `ATTR="value"` of the elements of `class` in `text`, in order, as maps.
fn elements(text: &str, class: &str) -> Vec<Vec<(String, String)>> {
    let needle = format!("class=\"{class}\"");
    text.match_indices(&needle)
        .map(|(at, _)| {
            let end = text[at..].find('>').expect("the tag closes") + at;
            text[at + needle.len()..end]
                .split_whitespace()
                .filter_map(|a| a.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.trim_matches(['"', '/']).to_owned()))
                .collect()
        })
        .collect()
}

fn attr<'a>(element: &'a [(String, String)], name: &str) -> &'a str {
    element
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {element:?}"))
}

#[test]
fn files_carry_the_context_and_the_ratio_chart_has_every_ratio() {
    let dir = out_dir("compare-context");
    let out = Command::new(COMPARE)
        .args([
            "--quick",
            "--pass",
            "throughput",
            "--pass",
            "read-side",
            "--mix",
            "90/5/5",
            "--only",
            "default",
            "--csv",
        ])
        .arg(&dir)
        .output()
        .expect("compare runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // run.json: every fact of the context, and the same start as every CSV row.
    let run = std::fs::read_to_string(dir.join("run.json")).expect("run.json written");
    const KEYS: [&str; 12] = [
        "started_utc",
        "command",
        "mode",
        "runs",
        "throughput_point_ms",
        "commit",
        "cpu",
        "cpus",
        "kernel",
        "membarrier",
        "liburcu",
        "build",
    ];
    for key in KEYS {
        let value = json_value(&run, key).unwrap_or_else(|| panic!("run.json has no {key}: {run}"));
        assert!(!value.is_empty(), "{key} is empty");
        // The stdout preamble says the same.
        assert!(stdout.contains(&format!("{key}: ")), "preamble lacks {key}");
    }
    assert_eq!(json_value(&run, "mode").as_deref(), Some("quick"));
    assert_eq!(json_value(&run, "runs").as_deref(), Some("2"));
    assert_eq!(
        json_value(&run, "throughput_point_ms").as_deref(),
        Some("5")
    );
    let cpus: usize = json_value(&run, "cpus")
        .unwrap()
        .parse()
        .expect("cpus is a count");
    assert!(cpus >= 1);
    let started = json_value(&run, "started_utc").unwrap();
    assert!(
        started.len() == 20 && started.ends_with('Z') && started.as_bytes()[10] == b'T',
        "{started}"
    );
    assert!(
        run.contains("\"csv_files\": [\"read-side.csv\", \"throughput.csv\"]"),
        "{run}"
    );
    for csv in ["read-side.csv", "throughput.csv"] {
        let (header, rows) = parse_csv(&dir.join(csv));
        assert_eq!(header.last().map(String::as_str), Some("started_utc"));
        assert!(rows.iter().all(|r| r.last() == Some(&started)), "{csv}");
    }

    // Every SVG: the context in <desc>, <metadata> and a footer.
    let svgs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .collect();
    assert_eq!(
        svgs.len(),
        1 + 1 + 3 + 1,
        "ratios, read side, 3 structures, stack: {svgs:?}"
    );
    for svg in &svgs {
        assert_well_formed_svg(svg);
        let text = std::fs::read_to_string(svg).unwrap();
        let desc = &text[text.find("<desc>").expect("a <desc>")..text.find("</desc>").unwrap()];
        let metadata = &text[text.find("<metadata").expect("a <metadata>")..];
        let footer = &text[text.find("class=\"context\"").expect("a footer")..];
        for key in KEYS {
            assert!(
                desc.contains(&format!("{key}: ")),
                "{}: <desc> lacks {key}",
                svg.display()
            );
            assert!(
                metadata.contains(&format!("&quot;{key}&quot;: ")),
                "{}: <metadata> lacks {key}",
                svg.display()
            );
            assert!(
                footer.contains(&format!("{key}: ")),
                "{}: footer lacks {key}",
                svg.display()
            );
        }
        assert!(desc.contains(&started) && desc.contains("mode: quick"));
        // The baseline is drawn apart and named.
        assert!(
            text.contains("crossbeam-epoch (the baseline)"),
            "{}",
            svg.display()
        );
    }
    let read_side = std::fs::read_to_string(dir.join("read-side.svg")).unwrap();
    assert!(
        read_side.contains("url(#baseline-hatch)") && read_side.contains("whisker: their min–max")
    );
    let line_chart = std::fs::read_to_string(dir.join("throughput-hashmap-90-5-5.svg")).unwrap();
    assert_eq!(elements(&line_chart, "series baseline").len(), 1);

    // The ratio chart: one cell per structure x mix x threads of throughput.csv, one mark in it
    // per row of the CSV with a ratio, a line at 1 in every panel, a legend entry per scheme.
    let ratios = std::fs::read_to_string(dir.join("ratios.svg")).expect("ratios.svg written");
    let (header, rows) = parse_csv(&dir.join("throughput.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut expected = BTreeSet::new();
    let mut cells = BTreeSet::new();
    for row in &rows {
        let key = (
            row[col("structure")].clone(),
            row[col("mix")].clone(),
            row[col("threads")].clone(),
        );
        cells.insert(key.clone());
        if !row[col("ratio_median")].is_empty() {
            expected.insert((key, row[col("scheme_id")].clone()));
            assert!(
                ratios.contains(&format!(">{}<", row[col("scheme")])),
                "no legend entry for {}",
                row[col("scheme")]
            );
        }
    }
    let mut seen = BTreeSet::new();
    let mut starts: Vec<usize> = ratios
        .match_indices("class=\"cell\"")
        .map(|(i, _)| i)
        .collect();
    starts.push(ratios.len());
    for pair in starts.windows(2) {
        let block = &ratios[pair[0]..pair[1]];
        let cell = &elements(block, "cell")[0];
        let key = (
            attr(cell, "data-structure").to_owned(),
            attr(cell, "data-mix").to_owned(),
            attr(cell, "data-threads").to_owned(),
        );
        assert!(cells.contains(&key), "{key:?}");
        for mark in elements(block, "ratio") {
            let median: f64 = attr(&mark, "data-median").parse().expect("a number");
            assert!(median >= 0.0);
            assert!(seen.insert((key.clone(), attr(&mark, "data-scheme").to_owned())));
        }
    }
    assert_eq!(seen, expected);
    assert!(!expected.is_empty());
    // 3 structures x 1 mix + the stack
    assert_eq!(elements(&ratios, "panel").len(), 4);
    assert_eq!(elements(&ratios, "baseline-line").len(), 4);
    assert!(
        !expected.iter().any(|(_, id)| id == "crossbeam-epoch"),
        "the baseline has no mark"
    );

    // --replot redraws the same charts from the files alone, with the recorded context.
    let again = out_dir("compare-replot");
    let out = Command::new(COMPARE)
        .arg("--replot")
        .arg(&dir)
        .arg("--plots")
        .arg(&again)
        .output()
        .expect("compare runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let redrawn = std::fs::read_to_string(again.join("ratios.svg")).expect("ratios.svg redrawn");
    assert_eq!(
        elements(&redrawn, "ratio").len(),
        expected.len(),
        "the same marks"
    );
    assert!(redrawn.contains(&started) && redrawn.contains("mode: quick"));
    for svg in &svgs {
        assert!(
            again.join(svg.file_name().unwrap()).exists(),
            "{}",
            svg.display()
        );
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
    assert!(json.contains("\"scheme_id\": \"gus-fenced\""));
    // The run's context heads the document.
    assert!(json.contains("\"started_utc\": \"") && json.contains("\"cpus\": "));
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
