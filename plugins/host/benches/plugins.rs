//! Plugin call costs. `cargo bench -p etalage-plugin-host --bench plugins` prints the table in
//! docs/benchmarks.md; under `cargo test` it runs a small smoke version.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

/// The skills matcher's own scoring source, compiled natively.
#[path = "../../examples/skills-matcher/src/scoring.rs"]
mod skills_matcher;

use std::time::{Duration, Instant};

use etalage_core::plugins::{CandidateFeatures, Matcher, VacancyProfile, WeightedSkill};
use etalage_plugin_host::{Limits, WasmMatcher};
use etalage_plugin_sdk::{Batch, Candidate, Span, Vacancy, WeightedSkill as SdkSkill};

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

/// The batch as the plugin receives it (interned words), for the native run.
fn native_types(v: &VacancyProfile, cs: &[CandidateFeatures]) -> (Vacancy, Batch) {
    let mut words: Vec<String> = Vec::new();
    let mut id = |w: &str| -> u32 {
        let w = w.to_lowercase();
        match words.iter().position(|x| *x == w) {
            Some(i) => i as u32,
            None => {
                words.push(w);
                (words.len() - 1) as u32
            }
        }
    };
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
        region: v.region.as_deref().map(&mut id),
        hours_per_week: v.hours_per_week,
        min_years_experience: v.min_years_experience,
        languages: v.languages.iter().map(|l| id(l)).collect(),
        driving_licences: v.driving_licences.iter().map(|l| id(l)).collect(),
    };
    let mut pool = Vec::new();
    let span = |ids: Vec<u32>, pool: &mut Vec<u32>| {
        let start = pool.len() as u32;
        pool.extend(ids);
        Span {
            start,
            len: pool.len() as u32 - start,
        }
    };
    let candidates = cs
        .iter()
        .map(|c| Candidate {
            skills: span(c.skills.clone(), &mut pool),
            region: c.region.as_deref().map(&mut id),
            hours_per_week: c.hours_per_week,
            years_experience: c.years_experience,
            languages: span(c.languages.iter().map(|l| id(l)).collect(), &mut pool),
            driving_licences: span(
                c.driving_licences.iter().map(|l| id(l)).collect(),
                &mut pool,
            ),
        })
        .collect();
    (
        vacancy,
        Batch {
            candidates,
            pool,
            terms: words,
        },
    )
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
    let mut samples = Vec::with_capacity(calls);
    for _ in 0..calls {
        let t = Instant::now();
        empty.rank(&vacancy, &none).await.unwrap();
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
    let mut handover = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        empty.rank(&vacancy, &candidates).await.unwrap();
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
    let (vacancy, candidates) = batch(size);
    let (native_vacancy, native_batch) = native_types(&vacancy, &candidates);
    let weights = skills_matcher::Weights::default();
    let mut wasm = Vec::new();
    let mut native = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let scores = skills.rank(&vacancy, &candidates).await.unwrap();
        wasm.push(t.elapsed());
        assert_eq!(scores.len(), size);

        let t = Instant::now();
        // The same algorithm natively, including building the answer and sorting it.
        let mut scores: Vec<_> = native_batch
            .candidates
            .iter()
            .enumerate()
            .map(|(i, c)| {
                skills_matcher::score(&native_vacancy, &native_batch, i as u32, c, weights)
            })
            .collect();
        scores.sort_by(|a, b| b.score.total_cmp(&a.score));
        native.push(t.elapsed());
        std::hint::black_box(scores);
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
