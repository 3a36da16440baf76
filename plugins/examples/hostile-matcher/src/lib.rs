//! A matcher that misbehaves on purpose, for the sandbox tests through the server (PLG-3). What
//! it does is chosen by its `behaviour` setting, so the same plugin can be hostile in one label
//! and well-behaved in another.
use std::fmt::Write;

use etalage_plugin_sdk::{
    Batch, Candidate, Explanation, Matcher, Vacancy, config, register_matcher,
};

struct HostileMatcher {
    /// Answer with what was received instead of scoring.
    echo: bool,
}

impl Matcher for HostileMatcher {
    fn prepare(_vacancy: &Vacancy, _batch: &Batch) -> Result<Self, String> {
        match config::get("behaviour").as_deref().unwrap_or("ok") {
            "loop" => {
                let mut n: u64 = 0;
                loop {
                    n = n.wrapping_add(std::hint::black_box(1));
                }
            }
            "memory" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "panic" => panic!("the matcher gave up"),
            "refuse" => Err("this vacancy has no skills to match on".into()),
            "echo" => Ok(HostileMatcher { echo: true }),
            _ => Ok(HostileMatcher { echo: false }),
        }
    }

    fn score(
        &self,
        _vacancy: &Vacancy,
        candidate: Candidate<'_>,
        why: &mut Explanation<'_>,
    ) -> f32 {
        if !self.echo {
            why.push_str("well-behaved");
            return 0.5;
        }
        // Writes back what it received, so a test can compare it with what the host sent.
        let batch = candidate.batch();
        let words = |ids: &[u32]| {
            ids.iter()
                .map(|id| batch.term(*id))
                .collect::<Vec<_>>()
                .join(",")
        };
        let numbers = |ids: &[u32]| ids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let _ = write!(
            why,
            "skills={};region={};hours={};years={};languages={};licences={}",
            numbers(candidate.skills()),
            candidate.region().map_or("-", |r| batch.term(r)),
            candidate
                .hours_per_week()
                .map_or("-".into(), |h| h.to_string()),
            candidate.years_experience(),
            words(candidate.languages()),
            words(candidate.driving_licences()),
        );
        // Distinct scores, falling with the position, so the ranking keeps batch order.
        1.0 / (candidate.index() as f32 + 1.0)
    }
}

register_matcher!(HostileMatcher);
