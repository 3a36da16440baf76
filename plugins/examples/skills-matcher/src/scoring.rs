//! The scoring itself, free of any plugin plumbing: the host's benchmark compiles this same file
//! natively to compare it with the plugin.
use etalage_plugin_sdk::{Candidate, Score, Vacancy};

/// The share of the score for each part; read from the label's settings when present.
#[derive(Clone, Copy, Debug)]
pub struct Weights {
    pub skills: f32,
    pub region: f32,
    pub hours: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            skills: 0.7,
            region: 0.2,
            hours: 0.1,
        }
    }
}

/// Scores one candidate; `None` when a required skill, licence or language is missing.
pub fn score(vacancy: &Vacancy, candidate: &Candidate, w: Weights) -> Score {
    let mut missing_required = Vec::new();
    let (mut have, mut total) = (0.0f32, 0.0f32);
    let mut matched = 0;
    for skill in &vacancy.skills {
        total += skill.weight;
        if candidate.skills.contains(&skill.skill) {
            have += skill.weight;
            matched += 1;
        } else if skill.required {
            missing_required.push(skill.skill);
        }
    }
    let skills = if total > 0.0 { have / total } else { 1.0 };
    let region = match (&vacancy.region, &candidate.region) {
        (Some(v), Some(c)) if v.eq_ignore_ascii_case(c) => 1.0,
        (None, _) => 1.0,
        _ => 0.0,
    };
    let hours = match (vacancy.hours_per_week, candidate.hours_per_week) {
        (Some(v), Some(c)) if v > 0 => (c.min(v) as f32 / v as f32).clamp(0.0, 1.0),
        _ => 1.0,
    };
    let experience_ok = vacancy
        .min_years_experience
        .is_none_or(|min| candidate.years_experience >= min);
    let licences_ok = vacancy
        .driving_licences
        .iter()
        .all(|l| candidate.driving_licences.contains(l));
    let languages_ok = vacancy
        .languages
        .iter()
        .all(|l| candidate.languages.contains(l));

    let mut value = w.skills * skills + w.region * region + w.hours * hours;
    let mut reasons = vec![format!("{matched} of {} skills", vacancy.skills.len())];
    if region == 1.0 && vacancy.region.is_some() {
        reasons.push("same region".into());
    } else if vacancy.region.is_some() {
        reasons.push("other region".into());
    }
    if hours < 1.0 {
        reasons.push(format!("available {:.0}% of the hours", hours * 100.0));
    }
    if !missing_required.is_empty() || !experience_ok || !licences_ok || !languages_ok {
        value = 0.0;
        if !missing_required.is_empty() {
            reasons.push(format!(
                "misses {} required skill(s)",
                missing_required.len()
            ));
        }
        if !experience_ok {
            reasons.push("too little experience".into());
        }
        if !licences_ok {
            reasons.push("misses a required driving licence".into());
        }
        if !languages_ok {
            reasons.push("misses a required language".into());
        }
    }
    Score {
        candidate: candidate.id.clone(),
        score: value.clamp(0.0, 1.0),
        explanation: reasons.join(", "),
    }
}
