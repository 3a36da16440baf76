//! What a matcher is handed and what it answers, laid out for the plugin boundary: a batch is
//! a set of columns (candidate `i` is entry `i` of each), so handing 10,000 candidates to a
//! plugin is a dozen flat copies rather than 10,000 records; an answer is columns too, and is
//! checked here before anyone reads it.
use std::collections::HashMap;

use super::{CandidateFeatures, PluginError, VacancyProfile};

/// In the `regions` and `hours_per_week` columns: not known.
pub const UNKNOWN: u32 = u32::MAX;

/// The vacancy with its words interned into the batch's terms.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InternedVacancy {
    pub skills: Vec<super::WeightedSkill>,
    pub region: Option<u32>,
    pub hours_per_week: Option<u32>,
    pub min_years_experience: Option<u32>,
    pub languages: Vec<u32>,
    pub driving_licences: Vec<u32>,
}

/// The candidates' features, column by column. Lists per candidate are runs of one column,
/// delimited by an `*_ends` column (candidate `i`'s skills are
/// `skills[skill_ends[i-1]..skill_ends[i]]`, from 0 for the first).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Columns {
    pub skill_ends: Vec<u32>,
    pub skills: Vec<u32>,
    pub regions: Vec<u32>,
    pub hours_per_week: Vec<u32>,
    pub years_experience: Vec<u32>,
    pub language_ends: Vec<u32>,
    pub languages: Vec<u32>,
    pub licence_ends: Vec<u32>,
    pub driving_licences: Vec<u32>,
}

/// One vacancy and the candidates to rank for it. The candidates' pseudonyms stay on this
/// side: a plugin only ever sees positions.
#[derive(Clone, Debug, Default)]
pub struct MatchBatch {
    vacancy_id: String,
    vacancy: InternedVacancy,
    ids: Vec<String>,
    columns: Columns,
    terms: Vec<String>,
    term_ids: HashMap<String, u32>,
}

impl MatchBatch {
    pub fn new(vacancy: &VacancyProfile) -> Self {
        Self::with_capacity(vacancy, 0)
    }

    /// Room for `candidates` candidates, so that filling the batch does not reallocate.
    pub fn with_capacity(vacancy: &VacancyProfile, candidates: usize) -> Self {
        let mut batch = MatchBatch {
            vacancy_id: vacancy.id.clone(),
            ids: Vec::with_capacity(candidates),
            ..Default::default()
        };
        let c = &mut batch.columns;
        c.skill_ends.reserve(candidates);
        c.skills.reserve(candidates * 8);
        c.regions.reserve(candidates);
        c.hours_per_week.reserve(candidates);
        c.years_experience.reserve(candidates);
        c.language_ends.reserve(candidates);
        c.languages.reserve(candidates);
        c.licence_ends.reserve(candidates);
        c.driving_licences.reserve(candidates);
        batch.vacancy = InternedVacancy {
            skills: vacancy.skills.clone(),
            region: vacancy.region.as_deref().map(|r| batch.term(r)),
            hours_per_week: vacancy.hours_per_week,
            min_years_experience: vacancy.min_years_experience,
            languages: vacancy.languages.iter().map(|l| batch.term(l)).collect(),
            driving_licences: vacancy
                .driving_licences
                .iter()
                .map(|l| batch.term(l))
                .collect(),
        };
        batch
    }

    /// All candidates of a slice, for one vacancy.
    pub fn from_candidates(vacancy: &VacancyProfile, candidates: &[CandidateFeatures]) -> Self {
        let mut batch = Self::with_capacity(vacancy, candidates.len());
        for candidate in candidates {
            batch.push(candidate);
        }
        batch
    }

    /// The id of a word (region, language, licence), compared without case or surrounding
    /// space.
    fn term(&mut self, word: &str) -> u32 {
        // Most words arrive in their stored form: look them up before making a lower-case copy.
        if let Some(id) = self.term_ids.get(word) {
            return *id;
        }
        let key = word.trim().to_lowercase();
        if let Some(id) = self.term_ids.get(&key) {
            return *id;
        }
        let id = self.terms.len() as u32;
        self.terms.push(key.clone());
        self.term_ids.insert(key, id);
        id
    }

    pub fn push(&mut self, candidate: &CandidateFeatures) {
        self.ids.push(candidate.id.clone());
        let region = candidate
            .region
            .as_deref()
            .map_or(UNKNOWN, |r| self.term(r));
        let c = &mut self.columns;
        c.skills.extend_from_slice(&candidate.skills);
        c.skill_ends.push(c.skills.len() as u32);
        c.regions.push(region);
        c.hours_per_week
            .push(candidate.hours_per_week.unwrap_or(UNKNOWN));
        c.years_experience.push(candidate.years_experience);
        for language in &candidate.languages {
            let id = self.term(language);
            self.columns.languages.push(id);
        }
        let c = &mut self.columns;
        c.language_ends.push(c.languages.len() as u32);
        for licence in &candidate.driving_licences {
            let id = self.term(licence);
            self.columns.driving_licences.push(id);
        }
        let c = &mut self.columns;
        c.licence_ends.push(c.driving_licences.len() as u32);
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn vacancy_id(&self) -> &str {
        &self.vacancy_id
    }

    pub fn vacancy(&self) -> &InternedVacancy {
        &self.vacancy
    }

    pub fn columns(&self) -> &Columns {
        &self.columns
    }

    /// Words behind the region, language and licence ids (id = index).
    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// The candidates' pseudonyms, in batch order.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// What the batch weighs as a plugin receives it, in bytes: for the input size limit.
    pub fn wire_size(&self) -> usize {
        let c = &self.columns;
        let words = c.skill_ends.len()
            + c.skills.len()
            + c.regions.len()
            + c.hours_per_week.len()
            + c.years_experience.len()
            + c.language_ends.len()
            + c.languages.len()
            + c.licence_ends.len()
            + c.driving_licences.len()
            + self.vacancy.skills.len() * 3
            + self.vacancy.languages.len()
            + self.vacancy.driving_licences.len();
        words * 4 + self.terms.iter().map(|t| t.len() + 8).sum::<usize>()
    }
}

/// One candidate's place in a ranking.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ranked<'a> {
    /// The candidate's position in the batch.
    pub position: usize,
    pub score: f32,
    pub explanation: &'a str,
}

/// A matcher's answer for a batch: a score and an explanation per candidate, best first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ranking {
    scores: Vec<f32>,
    explanations: String,
    ends: Vec<u32>,
    /// Positions, best score first; ties keep batch order.
    order: Vec<u32>,
}

impl Ranking {
    /// Checks a plugin's answer for a batch of `candidates`: one score and one explanation per
    /// candidate, explanations that are whole pieces of the text, scores that are numbers.
    /// Scores outside 0.0..=1.0 are clamped rather than refused: a scale slip in a plugin
    /// should not take a label's matching down.
    pub fn from_columns(
        candidates: usize,
        mut scores: Vec<f32>,
        explanations: String,
        ends: Vec<u32>,
    ) -> Result<Ranking, PluginError> {
        if scores.len() != candidates || ends.len() != candidates {
            return Err(PluginError::Crashed(format!(
                "the plugin answered {} scores and {} explanations for {candidates} candidates",
                scores.len(),
                ends.len()
            )));
        }
        let mut start = 0usize;
        for (i, &end) in ends.iter().enumerate() {
            let end = end as usize;
            if end < start || !explanations.is_char_boundary(end) {
                return Err(PluginError::Crashed(format!(
                    "the plugin's explanation of candidate {i} is not a piece of its text"
                )));
            }
            start = end;
        }
        for (i, score) in scores.iter_mut().enumerate() {
            if score.is_nan() {
                return Err(PluginError::Crashed(format!(
                    "the plugin's score of candidate {i} is not a number"
                )));
            }
            *score = score.clamp(0.0, 1.0);
        }
        let mut order: Vec<u32> = (0..candidates as u32).collect();
        // Stable: equal scores keep the batch's order.
        order.sort_by(|&a, &b| scores[b as usize].total_cmp(&scores[a as usize]));
        Ok(Ranking {
            scores,
            explanations,
            ends,
            order,
        })
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The candidate at `position` in the batch.
    pub fn get(&self, position: usize) -> Option<Ranked<'_>> {
        let score = *self.scores.get(position)?;
        let end = *self.ends.get(position)? as usize;
        let start = match position {
            0 => 0,
            p => self.ends[p - 1] as usize,
        };
        Some(Ranked {
            position,
            score,
            explanation: self.explanations.get(start..end).unwrap_or_default(),
        })
    }

    /// Best first.
    pub fn iter(&self) -> impl Iterator<Item = Ranked<'_>> + '_ {
        self.order.iter().filter_map(|&p| self.get(p as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::WeightedSkill;

    fn vacancy() -> VacancyProfile {
        VacancyProfile {
            id: "v1".into(),
            skills: vec![WeightedSkill {
                skill: 7,
                weight: 1.0,
                required: true,
            }],
            region: Some("Utrecht".into()),
            hours_per_week: Some(32),
            min_years_experience: None,
            languages: vec!["nl".into()],
            driving_licences: vec![],
        }
    }

    fn candidate(
        id: &str,
        skills: &[u32],
        region: Option<&str>,
        languages: &[&str],
    ) -> CandidateFeatures {
        CandidateFeatures {
            id: id.into(),
            skills: skills.to_vec(),
            region: region.map(Into::into),
            hours_per_week: None,
            years_experience: 3,
            languages: languages.iter().map(|l| l.to_string()).collect(),
            driving_licences: vec!["B".into()],
        }
    }

    #[test]
    fn plg_1_a_batch_is_columns_with_words_interned_once() {
        let batch = MatchBatch::from_candidates(
            &vacancy(),
            &[
                candidate("a", &[7, 8], Some(" utrecht"), &["NL", "en"]),
                candidate("b", &[], None, &[]),
                candidate("c", &[9], Some("Amsterdam"), &["nl"]),
            ],
        );
        assert_eq!(batch.len(), 3);
        assert_eq!(batch.terms(), ["utrecht", "nl", "en", "b", "amsterdam"]);
        assert_eq!(batch.vacancy().region, Some(0));
        assert_eq!(batch.vacancy().languages, [1]);
        let c = batch.columns();
        assert_eq!(c.skill_ends, [2, 2, 3]);
        assert_eq!(c.skills, [7, 8, 9]);
        assert_eq!(c.regions, [0, UNKNOWN, 4]);
        assert_eq!(c.hours_per_week, [UNKNOWN; 3]);
        assert_eq!(c.language_ends, [2, 2, 3]);
        assert_eq!(c.languages, [1, 2, 1]);
        assert_eq!(c.licence_ends, [1, 2, 3]);
        assert_eq!(c.driving_licences, [3, 3, 3]);
        assert_eq!(batch.ids(), ["a", "b", "c"]);
    }

    #[test]
    fn plg_1_a_ranking_is_best_first_with_ties_in_batch_order() {
        let ranking = Ranking::from_columns(
            4,
            vec![0.5, 0.9, 0.5, 1.7],
            "halfbestalsotoo high".into(),
            vec![4, 8, 12, 20],
        )
        .unwrap();
        let ranked: Vec<(usize, f32, &str)> = ranking
            .iter()
            .map(|r| (r.position, r.score, r.explanation))
            .collect();
        assert_eq!(
            ranked,
            [
                (3, 1.0, "too high"),
                (1, 0.9, "best"),
                (0, 0.5, "half"),
                (2, 0.5, "also")
            ]
        );
    }

    #[test]
    fn plg_3_a_malformed_answer_is_refused() {
        let bad = [
            (vec![0.1], "x", vec![1, 1]),
            (vec![0.1, 0.2], "x", vec![1]),
            (vec![0.1, 0.2], "ab", vec![2, 1]),
            (vec![0.1, 0.2], "ab", vec![1, 3]),
            (vec![0.1, f32::NAN], "ab", vec![1, 2]),
            // The end falls inside the two bytes of "é".
            (vec![0.1, 0.2], "é", vec![1, 2]),
        ];
        for (scores, text, ends) in bad {
            let answer = Ranking::from_columns(2, scores.clone(), text.into(), ends.clone());
            assert!(
                matches!(answer, Err(PluginError::Crashed(_))),
                "{scores:?} {text:?} {ends:?}"
            );
        }
    }
}
