//! Weighted skills, region and hours. The scoring is a plain function ([`score`]) so that it
//! can be benchmarked natively against the same code in WebAssembly.
use etalage_plugin_sdk::{
    Batch, Candidate, Explanation, Matcher, Vacancy, config, register_matcher,
};

mod scoring;

pub use scoring::{Weights, score};

struct SkillsMatcher {
    weights: Weights,
}

impl Matcher for SkillsMatcher {
    fn prepare(_vacancy: &Vacancy, _batch: &Batch) -> Result<Self, String> {
        let defaults = Weights::default();
        let weights = Weights {
            skills: config::get_or("weight_skills", defaults.skills),
            region: config::get_or("weight_region", defaults.region),
            hours: config::get_or("weight_hours", defaults.hours),
        };
        Ok(SkillsMatcher {
            weights: weights.normalized()?,
        })
    }

    fn score(&self, vacancy: &Vacancy, candidate: Candidate<'_>, why: &mut Explanation<'_>) -> f32 {
        score(&self.weights, vacancy, candidate, why)
    }
}

register_matcher!(SkillsMatcher);
