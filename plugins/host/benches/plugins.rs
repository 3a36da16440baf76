//! Plugin call costs. `cargo bench -p etalage-plugin-host --bench plugins` prints the table in
//! docs/benchmarks.md; under `cargo test` it runs a small smoke version.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

/// The skills matcher's own scoring source, compiled natively.
#[path = "../../examples/skills-matcher/src/scoring.rs"]
mod skills_matcher;

use std::time::{Duration, Instant};

use etalage_core::plugins::{
    CandidateFeatures, MatchBatch, Matcher, Ranking, VacancyProfile, WeightedSkill,
};
use etalage_plugin_host::{Limits, WasmMatcher};
use etalage_plugin_sdk::{
    Batch, Candidate, Explanation, Matcher as SdkMatcher, Vacancy, WeightedSkill as SdkSkill,
};

fn percentile(mut samples: Vec<Duration>, p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

fn row(name: &str, samples: Vec<Duration>) {
    let n = samples.len();
    println!(
        "| {name:<52} | {:>10.1} | {:>10.1} | {n:>7} |",
        percentile(samples.clone(), 0.5).as_secs_f64() * 1e6,
        percentile(samples, 0.99).as_secs_f64() * 1e6
    );
}

/// A deterministic batch: 40 skills in play, each candidate with 8.
fn batch(n: usize) -> (VacancyProfile, Vec<CandidateFeatures>) {
    let vacancy = VacancyProfile {
        id: "v".into(),
        skills: (0..6)
            .map(|i| WeightedSkill {
                skill: i * 3,
                weight: 1.0 / (i + 1) as f32,
                required: i == 0,
            })
            .collect(),
        region: Some("utrecht".into()),
        hours_per_week: Some(32),
        min_years_experience: Some(2),
        languages: vec!["nl".into()],
        driving_licences: vec![],
    };
    let candidates = (0..n)
        .map(|i| CandidateFeatures {
            id: format!("c{i}"),
            skills: (0..8).map(|k| ((i * 7 + k * 5) % 40) as u32).collect(),
            region: Some(if i % 3 == 0 { "utrecht" } else { "amsterdam" }.into()),
            hours_per_week: Some(16 + (i % 4) as u32 * 8),
            years_experience: (i % 10) as u32,
            languages: vec!["nl".into()],
            driving_licences: vec![],
        })
        .collect();
    (vacancy, candidates)
}

/// The batch as the plugin receives it, for the native run: the same columns.
fn native_types(batch: &MatchBatch) -> (Vacancy, Batch) {
    let v = batch.vacancy();
    let vacancy = Vacancy {
        skills: v
            .skills
            .iter()
            .map(|s| SdkSkill {
                skill: s.skill,
                weight: s.weight,
                required: s.required,
            })
            .collect(),
        region: v.region,
        hours_per_week: v.hours_per_week,
        min_years_experience: v.min_years_experience,
        languages: v.languages.clone(),
        driving_licences: v.driving_licences.clone(),
    };
    let c = batch.columns();
    let columns = Batch {
        skill_ends: c.skill_ends.clone(),
        skills: c.skills.clone(),
        regions: c.regions.clone(),
        hours_per_week: c.hours_per_week.clone(),
        years_experience: c.years_experience.clone(),
        language_ends: c.language_ends.clone(),
        languages: c.languages.clone(),
        licence_ends: c.licence_ends.clone(),
        driving_licences: c.driving_licences.clone(),
        terms: batch.terms().to_vec(),
    };
    (vacancy, columns)
}

/// The skills matcher natively, with the weights the plugin reads from its (empty) settings.
struct Native(skills_matcher::Weights);

impl SdkMatcher for Native {
    fn prepare(_vacancy: &Vacancy, _batch: &Batch) -> Result<Self, String> {
        Ok(Native(skills_matcher::Weights::default().normalized()?))
    }

    fn score(&self, vacancy: &Vacancy, candidate: Candidate<'_>, why: &mut Explanation<'_>) -> f32 {
        skills_matcher::score(&self.0, vacancy, candidate, why)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (calls, rounds, size) = if full {
        (2_000, 30, 10_000)
    } else {
        (20, 2, 500)
    };
    let engine = support::engine(Limits::default());

    let empty = WasmMatcher::new(
        engine.clone(),
        support::prepared(&engine, "empty_matcher"),
        support::context("bench", "empty-matcher", &[]),
    )
    .unwrap();
    let (vacancy, none) = batch(0);
    let none = MatchBatch::from_candidates(&vacancy, &none);
    let mut samples = Vec::with_capacity(calls);
    for _ in 0..calls {
        let t = Instant::now();
        empty.rank(&none).await.unwrap();
        samples.push(t.elapsed());
    }
    println!(
        "| call                                                 | median µs  |    p99 µs  | samples |"
    );
    println!(
        "|------------------------------------------------------|------------|------------|---------|"
    );
    row("empty matcher: fresh store + instantiate + call", samples);

    // The cost of handing a batch over, without any scoring.
    let (vacancy, candidates) = batch(size);
    let candidates = MatchBatch::from_candidates(&vacancy, &candidates);
    let mut handover = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        empty.rank(&candidates).await.unwrap();
        handover.push(t.elapsed());
    }
    row(
        &format!("empty matcher, {size} candidates (hand-over only)"),
        handover,
    );

    let skills = WasmMatcher::new(
        engine.clone(),
        support::prepared(&engine, "skills_matcher"),
        support::context("bench", "skills-matcher", &[]),
    )
    .unwrap();
    let (native_vacancy, native_batch) = native_types(&candidates);
    let mut wasm = Vec::new();
    let mut native = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let ranking = skills.rank(&candidates).await.unwrap();
        wasm.push(t.elapsed());
        assert_eq!(ranking.len(), size);

        let t = Instant::now();
        // The same algorithm natively, through the same SDK loop and the same checking and
        // sorting of the answer.
        let scores = etalage_plugin_sdk::rank::<Native>(&native_vacancy, &native_batch).unwrap();
        let ranking = Ranking::from_columns(
            size,
            scores.values,
            scores.explanations,
            scores.explanation_ends,
        )
        .unwrap();
        native.push(t.elapsed());
        std::hint::black_box(ranking);
    }
    let wasm_median = percentile(wasm.clone(), 0.5);
    let native_median = percentile(native.clone(), 0.5);
    row(
        &format!("skills-matcher, {size} candidates, as a plugin"),
        wasm,
    );
    row(
        &format!("skills-matcher, {size} candidates, native Rust"),
        native,
    );
    println!(
        "\nplugin / native: {:.2}x",
        wasm_median.as_secs_f64() / native_median.as_secs_f64().max(1e-9)
    );
}
