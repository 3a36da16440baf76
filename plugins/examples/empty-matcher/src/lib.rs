//! The smallest matcher: no work, so a benchmark of it measures the host alone.
use etalage_plugin_sdk::{Candidate, Matcher, Score, Vacancy, register_matcher};

struct Empty;

impl Matcher for Empty {
    fn rank(_vacancy: Vacancy, _candidates: Vec<Candidate>) -> Result<Vec<Score>, String> {
        Ok(Vec::new())
    }
}

register_matcher!(Empty);
