//! The scoring itself, free of any plugin plumbing: the host's benchmark compiles this same file
//! natively to compare it with the plugin.
use etalage_plugin_sdk::{Candidate, Explanation, Vacancy};

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

impl Weights {
    /// The same proportions, adding up to one.
    pub fn normalized(self) -> Result<Weights, String> {
        let total = self.skills + self.region + self.hours;
        // Written so that NaN weights are refused too.
        let positive = total > 0.0;
        if !positive
            || [self.skills, self.region, self.hours]
                .iter()
                .any(|w| *w < 0.0)
        {
            return Err(
                "the weights must not be negative and must add up to more than zero; \
                 set weight_skills, weight_region or weight_hours"
                    .into(),
            );
        }
        Ok(Weights {
            skills: self.skills / total,
            region: self.region / total,
            hours: self.hours / total,
        })
    }
}

/// Scores a candidate: zero when a required skill, licence, language or the minimum
/// experience is missing.
pub fn score(
    w: &Weights,
    vacancy: &Vacancy,
    candidate: Candidate<'_>,
    why: &mut Explanation<'_>,
) -> f32 {
    let skills_held = candidate.skills();
    let mut missing_required = 0;
    let (mut have, mut total) = (0.0f32, 0.0f32);
    let mut matched = 0;
    for skill in &vacancy.skills {
        total += skill.weight;
        if skills_held.contains(&skill.skill) {
            have += skill.weight;
            matched += 1;
        } else if skill.required {
            missing_required += 1;
        }
    }
    let skills = if total > 0.0 { have / total } else { 1.0 };
    let region = match (vacancy.region, candidate.region()) {
        (None, _) => 1.0,
        (Some(v), Some(c)) if v == c => 1.0,
        _ => 0.0,
    };
    let hours = match (vacancy.hours_per_week, candidate.hours_per_week()) {
        (Some(v), Some(c)) if v > 0 => (c.min(v) as f32 / v as f32).clamp(0.0, 1.0),
        _ => 1.0,
    };
    let experience_ok = vacancy
        .min_years_experience
        .is_none_or(|min| candidate.years_experience() >= min);
    let licences_ok = vacancy
        .driving_licences
        .iter()
        .all(|l| candidate.driving_licences().contains(l));
    let languages_ok = vacancy
        .languages
        .iter()
        .all(|l| candidate.languages().contains(l));

    let mut value = w.skills * skills + w.region * region + w.hours * hours;
    why.push_number(matched);
    why.push_str(" of ");
    why.push_number(vacancy.skills.len() as u32);
    why.push_str(" skills");
    if vacancy.region.is_some() {
        why.push_str(if region == 1.0 {
            ", same region"
        } else {
            ", other region"
        });
    }
    if hours < 1.0 {
        why.push_str(", available ");
        why.push_number((hours * 100.0).round() as u32);
        why.push_str("% of the hours");
    }
    if missing_required > 0 || !experience_ok || !licences_ok || !languages_ok {
        value = 0.0;
        if missing_required > 0 {
            why.push_str(", misses ");
            why.push_number(missing_required);
            why.push_str(" required skill(s)");
        }
        if !experience_ok {
            why.push_str(", too little experience");
        }
        if !licences_ok {
            why.push_str(", misses a required driving licence");
        }
        if !languages_ok {
            why.push_str(", misses a required language");
        }
    }
    value.clamp(0.0, 1.0)
}
