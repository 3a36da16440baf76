//! The smallest matcher: no work, so a benchmark of it measures the host alone.
use etalage_plugin_sdk::{Batch, Matcher, Score, Vacancy, register_matcher};

struct Empty;

impl Matcher for Empty {
    fn rank(_vacancy: Vacancy, _batch: Batch) -> Result<Vec<Score>, String> {
        Ok(Vec::new())
    }
}

register_matcher!(Empty);
