//! What core asks of plugins (PLG-1, PLG-2), without knowing they are WebAssembly: the plugin
//! host implements these traits. Types carry only what a plugin may see — matcher inputs are
//! pseudonymous feature records, never names or contact details.
pub mod handover;
pub mod matching;
pub mod registry;

pub use matching::{Columns, InternedVacancy, MatchBatch, Ranked, Ranking, UNKNOWN};

use std::fmt;

/// Why a plugin call failed. The message is safe to show to an operator.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PluginError {
    /// The plugin answered with an error of its own.
    #[error("the plugin reported: {0}")]
    Reported(String),
    /// It ran out of time and was stopped.
    #[error("the plugin did not finish within {0} ms and was stopped")]
    Deadline(u64),
    /// It tried to use more memory (or tables, or instances) than allowed.
    #[error("the plugin exceeded its resource limits: {0}")]
    Limits(String),
    /// It crashed (a trap or a panic inside the plugin).
    #[error("the plugin crashed: {0}")]
    Crashed(String),
    /// The batch handed to it was larger than allowed.
    #[error("too large: {0}")]
    TooLarge(String),
    /// Its answer was larger than allowed.
    #[error("the plugin's answer is too large: {0}")]
    AnswerTooLarge(String),
    /// Every plugin slot of the server stayed busy for as long as the call could wait.
    #[error("the plugin could not start: {0}")]
    Busy(String),
    /// It is not installed, not enabled for this label, or of the wrong kind.
    #[error("plugin unavailable: {0}")]
    Unavailable(String),
}

/// A skill the vacancy asks for; `skill` is an interned id.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightedSkill {
    pub skill: u32,
    pub weight: f32,
    pub required: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct VacancyProfile {
    pub id: String,
    pub skills: Vec<WeightedSkill>,
    pub region: Option<String>,
    pub hours_per_week: Option<u32>,
    pub min_years_experience: Option<u32>,
    pub languages: Vec<String>,
    pub driving_licences: Vec<String>,
}

/// A candidate as a matcher sees it: a pseudonym and features, nothing that identifies.
#[derive(Clone, Debug, PartialEq)]
pub struct CandidateFeatures {
    pub id: String,
    pub skills: Vec<u32>,
    pub region: Option<String>,
    pub hours_per_week: Option<u32>,
    pub years_experience: u32,
    pub languages: Vec<String>,
    pub driving_licences: Vec<String>,
}

/// Ranks candidates for a vacancy, the label's way.
#[async_trait::async_trait]
pub trait Matcher: Send + Sync {
    async fn rank(&self, batch: &MatchBatch) -> Result<Ranking, PluginError>;
}

/// A temporary-worker placement (TMP-1). It carries special data on its way to the payroll
/// partner; `Debug` does not print it, so it cannot end up in a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Placement {
    pub candidate_ref: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub birth_date: String,
    pub bsn: String,
    pub id_document_number: String,
    pub iban: String,
    pub client_name: String,
    pub position: String,
    pub start_date: String,
    pub hours_per_week: u32,
    pub hourly_wage_cents: u32,
}

impl fmt::Debug for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Placement")
            .field("candidate_ref", &self.candidate_ref)
            .field("special_data", &"<withheld>")
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscriber {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub source: String,
}

/// A processor integration (payroll, newsletter, CRM). Each call answers with the processor's
/// reference for what it did.
#[async_trait::async_trait]
pub trait Processor: Send + Sync {
    async fn place_worker(&self, placement: &Placement) -> Result<String, PluginError>;
    async fn subscribe(&self, subscriber: &Subscriber) -> Result<String, PluginError>;
    async fn unsubscribe(&self, email: &str) -> Result<String, PluginError>;
    async fn erase_person(&self, person_ref: &str, email: &str) -> Result<String, PluginError>;
    async fn export_person(&self, person_ref: &str, email: &str) -> Result<String, PluginError>;
}
