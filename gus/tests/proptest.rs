//! Random sequences of sections, cookies, polls, retires and waits against the model every
//! scheme runs (`reclaim::testing::check_against_model`), in each mode. In a
//! `--cfg reclaim_near_wrap` build the clocks start just below the wrap, so the sequences run
//! across it.

#![cfg(feature = "std")]

use gracepoint_gus::{Gus, Mode, Options};
use proptest::prelude::*;
use reclaim::testing::{MODEL_READERS, check_against_model, model_ops};

fn check(mode: Mode, ops: &[reclaim::testing::ModelOp]) -> Result<(), TestCaseError> {
    let domain = Gus::<4>::fixed_with_options(Options::DEFAULT.mode(mode));
    let readers: Vec<_> = (0..MODEL_READERS)
        .map(|_| domain.register().unwrap())
        .collect();
    check_against_model(&domain, |r| readers[r].enter(), ops)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn the_default_mode_keeps_the_model(ops in model_ops(80)) {
        check(Mode::Default, &ops)?;
    }

    #[test]
    fn the_deferred_mode_keeps_the_model(ops in model_ops(80)) {
        check(Mode::Deferred(4), &ops)?;
    }

    #[test]
    fn the_lazy_mode_keeps_the_model(ops in model_ops(80)) {
        check(Mode::Lazy, &ops)?;
    }
}
