//! The run's context: when it ran, on what machine, from which commit, in which mode. It is the
//! stdout preamble, the head of the `--json` document, the `run.json` file beside the CSV files,
//! and the footer, `<desc>` and `<metadata>` of every SVG chart, so that no file is read
//! without it.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::runner::Results;

/// One fact of the context.
#[derive(Clone, Debug)]
pub struct Item {
    /// A short key (`snake_case`), the same in every file.
    pub key: &'static str,
    pub value: String,
    /// Written as a JSON number rather than a string.
    pub number: bool,
}

/// Every fact of the run's context, in a fixed order.
#[derive(Clone, Debug)]
pub struct Context {
    pub items: Vec<Item>,
}

impl Context {
    /// Gathers the context of `results`, a run that started at `started` with `args`.
    pub fn gather(results: &Results, started: SystemTime, args: &[String]) -> Self {
        let s = &results.settings;
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, m)| m.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown CPU".to_owned());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|k| k.trim().to_owned())
            .unwrap_or_else(|_| "unknown".to_owned());
        let fast = srcu::Srcu::with_options(
            srcu::Options::DEFAULT
                .flavor(srcu::Flavor::Fast)
                .slots(srcu::SlotChoice::Thread),
        )
        .flavor();
        let mut command = String::from("compare");
        for a in args {
            command.push(' ');
            command.push_str(a);
        }
        let text = |key, value: String| Item {
            key,
            value,
            number: false,
        };
        let number = |key, value: String| Item {
            key,
            value,
            number: true,
        };
        let items = vec![
            text("started_utc", utc(started)),
            text("command", command),
            text("mode", format!("{:?}", s.mode).to_lowercase()),
            number("runs", s.runs.max(1).to_string()),
            number(
                "throughput_point_ms",
                format!("{:.0}", s.point.mul_f64(results.scale).as_secs_f64() * 1e3),
            ),
            text("commit", commit()),
            text("cpu", cpu),
            number("cpus", num_cpus::get().to_string()),
            text("kernel", kernel),
            text(
                "membarrier",
                if fast == srcu::Flavor::Fast {
                    "available".to_owned()
                } else {
                    "refused (SRCU fast and GUS lazy fall back)".to_owned()
                },
            ),
            text("liburcu", peers::liburcu::status().to_owned()),
            text(
                "build",
                if cfg!(debug_assertions) {
                    "debug (figures meaningless)".to_owned()
                } else {
                    "release".to_owned()
                },
            ),
            number("elapsed_s", format!("{:.1}", results.elapsed.as_secs_f64())),
        ];
        Self { items }
    }

    /// The value of `key`, if the context has it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|i| i.key == key)
            .map(|i| i.value.as_str())
    }

    /// `key: value; key: value; ...`, the stdout preamble.
    pub fn preamble(&self) -> String {
        self.items
            .iter()
            .map(|i| format!("{}: {}", i.key, i.value))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The preamble wrapped into lines of at most `width` characters, for a chart's footer.
    pub fn lines(&self, width: usize) -> Vec<String> {
        let mut lines = vec![String::new()];
        for item in &self.items {
            let piece = format!("{}: {}", item.key, item.value);
            let line = lines.last_mut().expect("one line at least");
            if !line.is_empty() && line.chars().count() + 2 + piece.chars().count() > width {
                lines.push(piece);
            } else {
                if !line.is_empty() {
                    line.push_str("; ");
                }
                line.push_str(&piece);
            }
        }
        lines
    }

    /// The fields as JSON object members, each on its own line indented by `indent`, each
    /// followed by a comma (the caller adds more members after them).
    pub fn json_members(&self, indent: &str) -> String {
        let mut out = String::new();
        for item in &self.items {
            let value = if item.number {
                item.value.clone()
            } else {
                json_string(&item.value)
            };
            let _ = writeln!(out, "{indent}{}: {value},", json_string(item.key));
        }
        out
    }

    /// `run.json`: the context, the CSV files it describes, and how to read them.
    pub fn run_json(&self, csv_files: &[String]) -> String {
        let mut out = String::from("{\n");
        out.push_str(&self.json_members("  "));
        let files: Vec<String> = csv_files.iter().map(|f| json_string(f)).collect();
        let _ = writeln!(out, "  \"csv_files\": [{}],", files.join(", "));
        let _ = writeln!(
            out,
            "  \"about\": {}",
            json_string(
                "The context of the compare run that wrote the CSV files listed here (each of \
                 their rows carries the same started_utc). docs/comparison.md explains the \
                 columns."
            )
        );
        out.push_str("}\n");
        out
    }

    /// Writes `run.json` into `dir`.
    pub fn write_run_json(&self, dir: &Path, csv_files: &[String]) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("run.json"), self.run_json(csv_files))
    }
}

/// A JSON string literal.
pub fn json_string(s: &str) -> String {
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

/// The commit of the source tree this program was built from, read with `git` when it runs
/// (`+dirty` when tracked files differ from it), or `unknown` without git or a repository.
fn commit() -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(hash) if !hash.is_empty() => {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty { format!("{hash}+dirty") } else { hash }
        }
        _ => "unknown".to_owned(),
    }
}

/// `t` as an ISO 8601 UTC time to the second, `2026-11-30T14:05:09Z`.
pub fn utc(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The proleptic Gregorian date of a count of days since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400 + 3_723); // 2000-02-29 01:02:03
        assert_eq!(utc(t), "2000-02-29T01:02:03Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_798_761_599); // the last second of 2026
        assert_eq!(utc(t), "2026-12-31T23:59:59Z");
    }

    #[test]
    fn lines_wrap_between_items() {
        let c = Context {
            items: ["alpha", "beta", "gamma"]
                .into_iter()
                .map(|k| Item {
                    key: k,
                    value: "x".repeat(10),
                    number: false,
                })
                .collect(),
        };
        let lines = c.lines(40);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].starts_with("alpha: ") && lines[1].starts_with("gamma: "));
        assert!(
            c.run_json(&["a.csv".to_owned()])
                .contains("\"csv_files\": [\"a.csv\"]")
        );
    }
}
