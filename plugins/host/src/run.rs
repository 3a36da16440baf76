//! Running calls: a fresh store per call (nothing leaks between calls or labels), the memory
//! limit, the deadline (epoch interruption, yielding to the executor at every tick so a busy
//! plugin never blocks other requests), input and output size limits, and errors an operator
//! can read.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use etalage_core::plugins::{
    CandidateFeatures, MatchScore, Matcher, Placement, PluginError, Processor, Subscriber,
    VacancyProfile,
};
use wasmtime::{Store, UpdateDeadline};

use crate::bindings::matcher::MatcherPre;
use crate::bindings::matcher::exports::etalage::plugin::matching as wit_matching;
use crate::bindings::processor::ProcessorPre;
use crate::bindings::processor::exports::etalage::plugin::integration as wit_integration;
use crate::engine::{HostError, PluginEngine, Prepared};
use crate::imports::{LogLine, PluginContext, PluginState};

/// The marker error of a call stopped at its deadline.
#[derive(Debug)]
struct DeadlineExceeded;

impl std::fmt::Display for DeadlineExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("deadline exceeded")
    }
}

impl std::error::Error for DeadlineExceeded {}

/// Extra time for the executor-level backstop beyond the epoch deadline.
const BACKSTOP: Duration = Duration::from_secs(1);

struct Call {
    engine: Arc<PluginEngine>,
    ctx: Arc<PluginContext>,
    log: Arc<Mutex<Vec<LogLine>>>,
}

impl Call {
    fn store(&self, deadline: Duration) -> Store<PluginState> {
        let state = PluginState::new(
            Arc::clone(&self.ctx),
            &self.engine.limits,
            self.engine.http.clone(),
            Instant::now() + deadline,
            Arc::clone(&self.log),
        );
        let mut store = Store::new(&self.engine.engine, state);
        store.limiter(|s| &mut s.limits);
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|ctx| {
            if Instant::now() >= ctx.data().deadline {
                Err(wasmtime::Error::new(DeadlineExceeded))
            } else {
                Ok(UpdateDeadline::Yield(1))
            }
        });
        store
    }
}

/// Turns what went wrong into an operator-readable error.
fn classify(err: wasmtime::Error, deadline: Duration) -> PluginError {
    if err.is::<DeadlineExceeded>() || err.chain().any(|e| e.to_string() == "deadline exceeded") {
        return PluginError::Deadline(deadline.as_millis() as u64);
    }
    let text = format!("{err:#}");
    if text.contains("growing memory")
        || text.contains("growing table")
        || text.contains("resource limit")
    {
        return PluginError::Limits(first_line(&text));
    }
    PluginError::Crashed(first_line(&text))
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or(text)
        .chars()
        .take(300)
        .collect()
}

fn check_output(bytes: usize, max: usize) -> Result<(), PluginError> {
    if bytes > max {
        return Err(PluginError::TooLarge(format!(
            "the plugin answered {bytes} bytes; at most {max} are accepted"
        )));
    }
    Ok(())
}

async fn with_deadline<T>(
    deadline: Duration,
    work: impl std::future::Future<Output = wasmtime::Result<Result<T, String>>>,
) -> Result<T, PluginError> {
    match tokio::time::timeout(deadline + BACKSTOP, work).await {
        Err(_) => Err(PluginError::Deadline(deadline.as_millis() as u64)),
        Ok(Err(err)) => Err(classify(err, deadline)),
        Ok(Ok(Err(message))) => Err(PluginError::Reported(first_line(&message))),
        Ok(Ok(Ok(value))) => Ok(value),
    }
}

/// A matcher plugin, for one label.
pub struct WasmMatcher {
    call: Call,
    pre: MatcherPre<PluginState>,
}

impl WasmMatcher {
    pub fn new(
        engine: Arc<PluginEngine>,
        prepared: Prepared,
        ctx: PluginContext,
    ) -> Result<Self, HostError> {
        match prepared {
            Prepared::Matcher(pre) => Ok(WasmMatcher {
                call: Call {
                    engine,
                    ctx: Arc::new(ctx),
                    log: Arc::default(),
                },
                pre,
            }),
            Prepared::Processor(_) => Err(HostError::UnsupportedWorld(
                "a processor is not a matcher".into(),
            )),
        }
    }

    /// What the plugin logged in its calls so far (bounded per call).
    pub fn log(&self) -> Vec<LogLine> {
        self.call.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

/// Interned words (lower case): id = position in `names`.
#[derive(Default)]
struct Terms {
    names: Vec<String>,
    ids: std::collections::HashMap<String, u32>,
}

impl Terms {
    fn id(&mut self, word: &str) -> u32 {
        // Most words arrive interned-ready: look them up before allocating a lower-case copy.
        if let Some(id) = self.ids.get(word) {
            return *id;
        }
        let key = word.trim().to_lowercase();
        if let Some(id) = self.ids.get(&key) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(key.clone());
        self.ids.insert(key, id);
        id
    }
}

fn input_size(vacancy: &VacancyProfile, candidates: &[CandidateFeatures]) -> usize {
    let strings = |v: &[String]| v.iter().map(|s| s.len() + 8).sum::<usize>();
    let vacancy_size = vacancy.id.len()
        + vacancy.skills.len() * 12
        + strings(&vacancy.languages)
        + strings(&vacancy.driving_licences);
    vacancy_size
        + candidates
            .iter()
            .map(|c| {
                32 + c.id.len()
                    + c.skills.len() * 4
                    + c.region.as_ref().map_or(0, String::len)
                    + strings(&c.languages)
                    + strings(&c.driving_licences)
            })
            .sum::<usize>()
}

#[async_trait::async_trait]
impl Matcher for WasmMatcher {
    async fn rank(
        &self,
        vacancy: &VacancyProfile,
        candidates: &[CandidateFeatures],
    ) -> Result<Vec<MatchScore>, PluginError> {
        let limits = &self.call.engine.limits;
        let size = input_size(vacancy, candidates);
        if size > limits.max_input_bytes {
            return Err(PluginError::TooLarge(format!(
                "the batch is {size} bytes; at most {} are accepted",
                limits.max_input_bytes
            )));
        }
        // Regions, languages and licences cross as interned ids, candidates as positions.
        let mut terms = Terms::default();
        let v = wit_matching::Vacancy {
            skills: vacancy
                .skills
                .iter()
                .map(|s| wit_matching::WeightedSkill {
                    skill: s.skill,
                    weight: s.weight,
                    required: s.required,
                })
                .collect(),
            region: vacancy.region.as_deref().map(|r| terms.id(r)),
            hours_per_week: vacancy.hours_per_week,
            min_years_experience: vacancy.min_years_experience,
            languages: vacancy.languages.iter().map(|l| terms.id(l)).collect(),
            driving_licences: vacancy
                .driving_licences
                .iter()
                .map(|l| terms.id(l))
                .collect(),
        };
        // Every id list of every candidate is a range of one pool: the batch crosses in a few
        // copies instead of one allocation per list.
        let mut pool: Vec<u32> = Vec::with_capacity(candidates.len() * 10);
        let span = |ids: &mut dyn Iterator<Item = u32>, pool: &mut Vec<u32>| {
            let start = pool.len() as u32;
            pool.extend(ids);
            wit_matching::Span {
                start,
                len: pool.len() as u32 - start,
            }
        };
        let cs: Vec<wit_matching::Candidate> = candidates
            .iter()
            .map(|c| wit_matching::Candidate {
                skills: span(&mut c.skills.iter().copied(), &mut pool),
                region: c.region.as_deref().map(|r| terms.id(r)),
                hours_per_week: c.hours_per_week,
                years_experience: c.years_experience,
                languages: span(&mut c.languages.iter().map(|l| terms.id(l)), &mut pool),
                driving_licences: span(
                    &mut c.driving_licences.iter().map(|l| terms.id(l)),
                    &mut pool,
                ),
            })
            .collect();
        let batch = wit_matching::Batch {
            candidates: cs,
            pool,
            terms: terms.names,
        };
        let deadline = limits.matcher_deadline;
        let mut store = self.call.store(deadline);
        let scores = with_deadline(deadline, async {
            let instance = self.pre.instantiate_async(&mut store).await?;
            instance
                .etalage_plugin_matching()
                .call_rank(&mut store, &v, &batch)
                .await
        })
        .await?;
        let out_bytes: usize = scores.iter().map(|s| s.explanation.len() + 8).sum();
        check_output(out_bytes, limits.max_output_bytes)?;
        scores
            .into_iter()
            .map(|s| {
                let candidate = candidates.get(s.candidate as usize).ok_or_else(|| {
                    PluginError::Crashed(format!(
                        "the plugin scored candidate {}, which is not in the batch",
                        s.candidate
                    ))
                })?;
                Ok(MatchScore {
                    candidate: candidate.id.clone(),
                    score: s.score,
                    explanation: s.explanation,
                })
            })
            .collect()
    }
}

/// A processor plugin, for one label.
pub struct WasmProcessor {
    call: Call,
    pre: ProcessorPre<PluginState>,
}

impl WasmProcessor {
    pub fn new(
        engine: Arc<PluginEngine>,
        prepared: Prepared,
        ctx: PluginContext,
    ) -> Result<Self, HostError> {
        match prepared {
            Prepared::Processor(pre) => Ok(WasmProcessor {
                call: Call {
                    engine,
                    ctx: Arc::new(ctx),
                    log: Arc::default(),
                },
                pre,
            }),
            Prepared::Matcher(_) => Err(HostError::UnsupportedWorld(
                "a matcher is not a processor".into(),
            )),
        }
    }

    pub fn log(&self) -> Vec<LogLine> {
        self.call.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    async fn run<F>(&self, f: F) -> Result<String, PluginError>
    where
        F: for<'a> FnOnce(
            &'a mut Store<PluginState>,
            &'a crate::bindings::processor::Processor,
        ) -> std::pin::Pin<
            Box<
                dyn std::future::Future<Output = wasmtime::Result<Result<String, String>>>
                    + Send
                    + 'a,
            >,
        >,
    {
        let limits = &self.call.engine.limits;
        let deadline = limits.processor_deadline;
        let mut store = self.call.store(deadline);
        let reference = with_deadline(deadline, async {
            let instance = self.pre.instantiate_async(&mut store).await?;
            f(&mut store, &instance).await
        })
        .await?;
        check_output(reference.len(), limits.max_output_bytes)?;
        Ok(reference)
    }
}

#[async_trait::async_trait]
impl Processor for WasmProcessor {
    async fn place_worker(&self, p: &Placement) -> Result<String, PluginError> {
        let placement = wit_integration::Placement {
            candidate_ref: p.candidate_ref.clone(),
            first_name: p.first_name.clone(),
            last_name: p.last_name.clone(),
            email: p.email.clone(),
            phone: p.phone.clone(),
            birth_date: p.birth_date.clone(),
            bsn: p.bsn.clone(),
            id_document_number: p.id_document_number.clone(),
            iban: p.iban.clone(),
            client_name: p.client_name.clone(),
            position: p.position.clone(),
            start_date: p.start_date.clone(),
            hours_per_week: p.hours_per_week,
            hourly_wage_cents: p.hourly_wage_cents,
        };
        self.run(move |store, i| {
            Box::pin(async move {
                i.etalage_plugin_integration()
                    .call_place_worker(store, &placement)
                    .await
            })
        })
        .await
    }

    async fn subscribe(&self, s: &Subscriber) -> Result<String, PluginError> {
        let subscriber = wit_integration::Subscriber {
            email: s.email.clone(),
            first_name: s.first_name.clone(),
            last_name: s.last_name.clone(),
            company: s.company.clone(),
            source: s.source.clone(),
        };
        self.run(move |store, i| {
            Box::pin(async move {
                i.etalage_plugin_integration()
                    .call_subscribe(store, &subscriber)
                    .await
            })
        })
        .await
    }

    async fn unsubscribe(&self, email: &str) -> Result<String, PluginError> {
        let email = email.to_string();
        self.run(move |store, i| {
            Box::pin(async move {
                i.etalage_plugin_integration()
                    .call_unsubscribe(store, &email)
                    .await
            })
        })
        .await
    }

    async fn erase_person(&self, person_ref: &str, email: &str) -> Result<String, PluginError> {
        let (r, e) = (person_ref.to_string(), email.to_string());
        self.run(move |store, i| {
            Box::pin(async move {
                i.etalage_plugin_integration()
                    .call_erase_person(store, &r, &e)
                    .await
            })
        })
        .await
    }

    async fn export_person(&self, person_ref: &str, email: &str) -> Result<String, PluginError> {
        let (r, e) = (person_ref.to_string(), email.to_string());
        self.run(move |store, i| {
            Box::pin(async move {
                i.etalage_plugin_integration()
                    .call_export_person(store, &r, &e)
                    .await
            })
        })
        .await
    }
}
