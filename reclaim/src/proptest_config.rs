//! The proptest settings the workspace's unit-test proptests share (hidden; tests only).

/// Proptest's defaults, except under Miri: 4 cases, and no regression file (Miri's isolation
/// refuses the `getcwd` that proptest's file persistence starts with).
///
/// ```
/// let config = gracepoint_reclaim::proptest_config::miri_aware();
/// assert_eq!(config.cases, proptest::test_runner::Config::default().cases);
/// ```
pub fn miri_aware() -> proptest::test_runner::Config {
    let default = proptest::test_runner::Config::default();
    proptest::test_runner::Config {
        cases: if cfg!(miri) { 4 } else { default.cases },
        failure_persistence: if cfg!(miri) {
            None
        } else {
            default.failure_persistence.clone()
        },
        ..default
    }
}
