//! `urcu-test` runs briefly on every scheme and prints liburcu's SUMMARY line; on a domain whose
//! grace periods never wait, a reader sees a poisoned object and the run fails.

use std::process::Command;

const URCU_TEST: &str = env!("CARGO_BIN_EXE_urcu-test");

#[test]
fn every_scheme_passes_and_prints_liburcus_summary_line() {
    for scheme in benches::schemes::all() {
        let out = Command::new(URCU_TEST)
            .args([&scheme.id, "2", "1", "0.2"])
            .output()
            .expect("urcu-test runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}: {stdout}{}",
            scheme.id,
            String::from_utf8_lossy(&out.stderr)
        );
        let line = stdout.lines().last().expect("a SUMMARY line");
        let words: Vec<&str> = line.split_whitespace().collect();
        let keys: Vec<&str> = words.iter().skip(2).step_by(2).copied().collect();
        assert_eq!(words[0], "SUMMARY");
        assert_eq!(words[1], format!("urcu-test:{}", scheme.id));
        assert_eq!(
            keys,
            [
                "testdur",
                "nr_readers",
                "rdur",
                "wdur",
                "nr_writers",
                "wdelay",
                "nr_reads",
                "nr_writes",
                "nr_ops"
            ]
        );
        let value = |key: &str| -> u64 {
            let i = words.iter().position(|w| *w == key).unwrap();
            words[i + 1].parse().unwrap_or(0)
        };
        assert_eq!((value("nr_readers"), value("nr_writers")), (2, 1));
        assert!(value("nr_reads") > 0 && value("nr_writes") > 0, "{line}");
        assert_eq!(value("nr_ops"), value("nr_reads") + value("nr_writes"));
    }
}

#[test]
fn a_reader_that_sees_a_poisoned_object_fails_the_run() {
    let out = Command::new(URCU_TEST)
        .args(["none", "1", "1", "2", "-r", "100"])
        .output()
        .expect("urcu-test runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("FAILED") && stderr.contains("poisoned"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("SUMMARY"));
}

#[test]
fn bad_arguments_are_refused_with_a_reason() {
    for args in [
        &["gus-default", "2", "1"][..],
        &["no-such-scheme", "1", "1", "1"],
        &["gus-default", "two", "1", "1"],
        &["gus-default", "1", "1", "-5"],
    ] {
        let out = Command::new(URCU_TEST).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}
