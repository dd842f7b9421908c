//! Smoke test of the `compare` workloads: every scheme runs every workload in quick mode,
//! in-process, and produces sane, non-zero results. No time thresholds: numbers from a test
//! run mean nothing.

use benches::schemes;
use benches::workload::Settings;

#[test]
fn compare_quick_produces_sane_results() {
    let settings = Settings::quick();
    let report = schemes::run(&settings, false);
    assert!(report.quick);
    assert!(report.rows.len() >= 4, "baselines plus at least two peers");
    for row in &report.rows {
        assert!(row.pair_ns.is_finite() && row.pair_ns > 0.0, "{row:?}");
        if let Some(sync) = row.sync {
            assert!(sync.samples >= 3 && sync.median_us > 0.0, "{row:?}");
            assert!(sync.reader_mreads > 0.0, "{row:?}");
            let u = row.unreclaimed.expect("schemes have (d)");
            assert!(u.retired > 0, "{row:?}");
            assert!(u.average <= u.peak as f64 + 1e-9, "{row:?}");
            assert_eq!(row.throughput.len(), 2 * settings.threads.len());
            for &(_, threads, mops) in &row.throughput {
                assert!(threads > 0 && mops.is_finite() && mops > 0.0, "{row:?}");
            }
        }
    }
    let text = report.text();
    let markdown = report.markdown();
    for row in &report.rows {
        assert!(text.contains(&row.name) && markdown.contains(&row.name));
    }
}
