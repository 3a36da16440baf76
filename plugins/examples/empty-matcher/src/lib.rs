//! The smallest matcher: no work, so a benchmark of it measures the host alone.
use etalage_plugin_sdk::{Batch, Candidate, Explanation, Matcher, Vacancy, register_matcher};

struct Empty;

impl Matcher for Empty {
    fn prepare(_vacancy: &Vacancy, _batch: &Batch) -> Result<Self, String> {
        Ok(Empty)
    }

    fn score(
        &self,
        _vacancy: &Vacancy,
        _candidate: Candidate<'_>,
        _why: &mut Explanation<'_>,
    ) -> f32 {
        0.0
    }
}

register_matcher!(Empty);
