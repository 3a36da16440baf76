//! Weighted skills, region and hours. The scoring is a plain function ([`score`]) so that it
//! can be benchmarked natively against the same code in WebAssembly.
use etalage_plugin_sdk::{Batch, Matcher, Score, Vacancy, config, register_matcher};

mod scoring;

pub use scoring::{Weights, score};

struct SkillsMatcher;

impl Matcher for SkillsMatcher {
    fn rank(vacancy: Vacancy, batch: Batch) -> Result<Vec<Score>, String> {
        let w = Weights {
            skills: config::get_or("weight_skills", Weights::default().skills),
            region: config::get_or("weight_region", Weights::default().region),
            hours: config::get_or("weight_hours", Weights::default().hours),
        };
        let total = w.skills + w.region + w.hours;
        if total <= 0.0 {
            return Err(
                "the weights add up to zero; set weight_skills, weight_region or weight_hours"
                    .into(),
            );
        }
        let w = Weights {
            skills: w.skills / total,
            region: w.region / total,
            hours: w.hours / total,
        };
        let mut scores: Vec<Score> = batch
            .candidates
            .iter()
            .enumerate()
            .map(|(i, c)| score(&vacancy, &batch, i as u32, c, w))
            .collect();
        scores.sort_by(|a, b| b.score.total_cmp(&a.score));
        Ok(scores)
    }
}

register_matcher!(SkillsMatcher);
