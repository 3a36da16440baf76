//! Running calls: a fresh store per call (nothing leaks between calls or labels), the memory
//! limit, the deadline (epoch interruption, yielding to the executor at every tick so a busy
//! plugin never blocks other requests), input and output size limits, and errors an operator
//! can read.
use std::sync::Arc;
use std::time::{Duration, Instant};

use etalage_core::plugins::{
    MatchBatch, Matcher, Placement, PluginError, Processor, Ranking, Subscriber,
};
use wasmtime::component::{ComponentNamedList, InstancePre, Lower, WasmStr};
use wasmtime::{Store, UpdateDeadline};

use crate::bindings::{v0_1, v0_2};
use crate::engine::{HostError, MatcherPre, PluginEngine, Prepared, ProcessorPre};
use crate::imports::{LogLine, PluginContext, PluginLog, PluginState, RemoteAnswers};

/// The marker error of a call stopped at its deadline.
#[derive(Debug)]
struct DeadlineExceeded;

impl std::fmt::Display for DeadlineExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("deadline exceeded")
    }
}

impl std::error::Error for DeadlineExceeded {}

/// The marker error of an answer refused for its size while still in the plugin's memory.
#[derive(Debug)]
struct AnswerTooLarge {
    bytes: usize,
    max: usize,
}

impl std::fmt::Display for AnswerTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the plugin answered {} bytes; at most {} are accepted",
            self.bytes, self.max
        )
    }
}

impl std::error::Error for AnswerTooLarge {}

/// Extra time for the executor-level backstop beyond the epoch deadline.
pub(crate) const BACKSTOP: Duration = Duration::from_secs(1);

struct Call {
    engine: Arc<PluginEngine>,
    ctx: Arc<PluginContext>,
    log: PluginLog,
}

impl Call {
    fn log(&self) -> Vec<LogLine> {
        self.log
            .lock()
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Runs one call in a fresh store once a slot is free, under `deadline`.
    async fn run<T, Fut>(
        &self,
        deadline: Duration,
        call: impl FnOnce(Store<PluginState>) -> Fut,
    ) -> Result<T, PluginError>
    where
        Fut: std::future::Future<Output = wasmtime::Result<Result<T, String>>>,
    {
        // Waiting for a slot counts against the HTTP request too: at most `max_slot_wait`.
        let wait = deadline.min(self.engine.limits.max_slot_wait);
        let _slot = self.engine.slot(&self.ctx.label, wait).await?;
        let answers = RemoteAnswers::default();
        let result = with_deadline(deadline, call(self.store(deadline, answers.clone()))).await;
        // The plugin's own message reaches operators (API, pages, disclosure outcome): special
        // data masked, and nothing of what a processor answered.
        result.map_err(|e| match e {
            PluginError::Reported(message) => PluginError::Reported(answers.screen(&message)),
            other => other,
        })
    }

    fn store(&self, deadline: Duration, answers: RemoteAnswers) -> Store<PluginState> {
        let state = PluginState::new(
            Arc::clone(&self.ctx),
            &self.engine.limits,
            self.engine.http.clone(),
            Instant::now() + deadline,
            Arc::clone(&self.log),
            answers,
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
    if let Some(too_large) = err.downcast_ref::<AnswerTooLarge>() {
        return PluginError::AnswerTooLarge(too_large.to_string());
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
        return Err(PluginError::AnswerTooLarge(format!(
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

/// The interned vacancy as `$wit`'s `vacancy` record: the same in every interface version so
/// far, but a type of its own in each.
macro_rules! vacancy {
    ($wit:ident, $v:expr) => {{
        let v = $v;
        $wit::Vacancy {
            skills: v
                .skills
                .iter()
                .map(|s| $wit::WeightedSkill {
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
        }
    }};
}

/// A matcher plugin, for one label.
pub struct WasmMatcher {
    call: Call,
    pre: MatcherPre,
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

    /// The newest lines the plugin logged in this process, oldest first.
    pub fn log(&self) -> Vec<LogLine> {
        self.call.log()
    }

    /// The current interface: the batch crosses as flat columns and the answer comes back as
    /// columns, a handful of copies whatever the batch size.
    async fn rank_v0_2(
        &self,
        pre: &v0_2::matcher::MatcherPre<PluginState>,
        batch: &MatchBatch,
    ) -> Result<Ranking, PluginError> {
        use v0_2::matcher::exports::etalage::plugin::matching as wit;
        let vacancy = vacancy!(wit, batch.vacancy());
        let c = batch.columns();
        let columns = wit::Batch {
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
        let deadline = self.call.engine.limits.matcher_deadline;
        let scores = self
            .call
            .run(deadline, |mut store| async move {
                let instance = pre.instantiate_async(&mut store).await?;
                let matching = instance.etalage_plugin_matching();
                matching.call_rank(&mut store, &vacancy, &columns).await
            })
            .await?;
        check_output(
            scores.explanations.len() + 4 * (scores.values.len() + scores.explanation_ends.len()),
            self.call.engine.limits.max_output_bytes,
        )?;
        Ranking::from_columns(
            batch.len(),
            scores.values,
            scores.explanations,
            scores.explanation_ends,
        )
    }

    /// Interface 0.1.0: a record per candidate whose id lists are spans of one shared pool,
    /// answered by a list of scores naming candidates by position.
    async fn rank_v0_1(
        &self,
        pre: &v0_1::matcher::MatcherPre<PluginState>,
        batch: &MatchBatch,
    ) -> Result<Ranking, PluginError> {
        use v0_1::matcher::exports::etalage::plugin::matching as wit;
        let vacancy = vacancy!(wit, batch.vacancy());
        let c = batch.columns();
        // The pool is the three id columns one after the other; a span is a run of one.
        let language_base = c.skills.len() as u32;
        let licence_base = language_base + c.languages.len() as u32;
        let mut pool =
            Vec::with_capacity(c.skills.len() + c.languages.len() + c.driving_licences.len());
        pool.extend_from_slice(&c.skills);
        pool.extend_from_slice(&c.languages);
        pool.extend_from_slice(&c.driving_licences);
        let span = |ends: &[u32], i: usize, base: u32| {
            let start = if i == 0 { 0 } else { ends[i - 1] };
            wit::Span {
                start: base + start,
                len: ends[i] - start,
            }
        };
        let known = |value: u32| (value != etalage_core::plugins::UNKNOWN).then_some(value);
        let candidates = (0..batch.len())
            .map(|i| wit::Candidate {
                skills: span(&c.skill_ends, i, 0),
                region: known(c.regions[i]),
                hours_per_week: known(c.hours_per_week[i]),
                years_experience: c.years_experience[i],
                languages: span(&c.language_ends, i, language_base),
                driving_licences: span(&c.licence_ends, i, licence_base),
            })
            .collect();
        let old = wit::Batch {
            candidates,
            pool,
            terms: batch.terms().to_vec(),
        };
        let deadline = self.call.engine.limits.matcher_deadline;
        let scores = self
            .call
            .run(deadline, |mut store| async move {
                let instance = pre.instantiate_async(&mut store).await?;
                let matching = instance.etalage_plugin_matching();
                matching.call_rank(&mut store, &vacancy, &old).await
            })
            .await?;
        let out_bytes: usize = scores.iter().map(|s| s.explanation.len() + 8).sum();
        check_output(out_bytes, self.call.engine.limits.max_output_bytes)?;
        // Into columns in batch order; a candidate the plugin left out scores zero.
        let mut values = vec![0.0f32; batch.len()];
        let mut explanations: Vec<String> = vec![String::new(); batch.len()];
        for score in scores {
            let i = score.candidate as usize;
            if i >= batch.len() {
                return Err(PluginError::Crashed(format!(
                    "the plugin scored candidate {i}, which is not in the batch"
                )));
            }
            values[i] = score.score;
            explanations[i] = score.explanation;
        }
        let mut text = String::with_capacity(out_bytes);
        let mut ends = Vec::with_capacity(batch.len());
        for explanation in &explanations {
            text.push_str(explanation);
            ends.push(text.len() as u32);
        }
        Ranking::from_columns(batch.len(), values, text, ends)
    }
}

#[async_trait::async_trait]
impl Matcher for WasmMatcher {
    async fn rank(&self, batch: &MatchBatch) -> Result<Ranking, PluginError> {
        let limits = &self.call.engine.limits;
        let size = batch.wire_size();
        if size > limits.max_input_bytes {
            return Err(PluginError::TooLarge(format!(
                "the batch is {size} bytes; at most {} are accepted",
                limits.max_input_bytes
            )));
        }
        match &self.pre {
            MatcherPre::V0_2(pre) => self.rank_v0_2(pre, batch).await,
            MatcherPre::V0_1(pre) => self.rank_v0_1(pre, batch).await,
        }
    }
}

/// A processor plugin, for one label.
pub struct WasmProcessor {
    call: Call,
    pre: ProcessorPre,
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

    /// The newest lines the plugin logged in this process, oldest first.
    pub fn log(&self) -> Vec<LogLine> {
        self.call.log()
    }
}

impl WasmProcessor {
    /// Runs `function` of the `integration` export in a fresh store under the processor
    /// deadline. Its answer (a `result<string, string>`) is measured while it is still in the
    /// plugin's memory and copied out only when it is within `max_output_bytes`: an oversized
    /// answer never reaches host memory.
    async fn call<P>(
        &self,
        pre: &InstancePre<PluginState>,
        interface: &'static str,
        function: &'static str,
        params: P,
    ) -> Result<String, PluginError>
    where
        P: ComponentNamedList + Lower + Send + Sync + 'static,
    {
        let limits = &self.call.engine.limits;
        let max = limits.max_output_bytes;
        self.call
            .run(limits.processor_deadline, |mut store| async move {
                let instance = pre.instantiate_async(&mut store).await?;
                let missing =
                    || wasmtime::Error::msg(format!("{interface}#{function} is not exported"));
                let export = instance
                    .get_export_index(&mut store, None, interface)
                    .ok_or_else(missing)?;
                let func = instance
                    .get_export_index(&mut store, Some(&export), function)
                    .ok_or_else(missing)?;
                let func =
                    instance.get_typed_func::<P, (Result<WasmStr, WasmStr>,)>(&mut store, &func)?;
                let (answer,) = func.call_async(&mut store, params).await?;
                let (Ok(text) | Err(text)) = &answer;
                // A view of the plugin's memory: nothing is copied yet.
                let text = text.to_str(&store)?;
                if text.len() > max {
                    return Err(wasmtime::Error::new(AnswerTooLarge {
                        bytes: text.len(),
                        max,
                    }));
                }
                let text = text.into_owned();
                Ok(match answer {
                    Ok(_) => Ok(text),
                    Err(_) => Err(text),
                })
            })
            .await
    }
}

/// `$body` once for each interface version a processor may be built for, with `$pre` its
/// instance template, `$wit` that version's `integration` module and `$interface` its export
/// name.
macro_rules! per_version {
    ($self:ident, |$pre:ident, $wit:ident, $interface:ident| $body:expr) => {
        match &$self.pre {
            ProcessorPre::V0_2(pre) => {
                // Unused by the events whose arguments are plain strings.
                #[allow(unused_imports)]
                use v0_2::processor::exports::etalage::plugin::integration as $wit;
                let $pre = pre.instance_pre();
                let $interface = "etalage:plugin/integration@0.2.0";
                $body
            }
            ProcessorPre::V0_1(pre) => {
                #[allow(unused_imports)]
                use v0_1::processor::exports::etalage::plugin::integration as $wit;
                let $pre = pre.instance_pre();
                let $interface = "etalage:plugin/integration@0.1.0";
                $body
            }
        }
    };
}

#[async_trait::async_trait]
impl Processor for WasmProcessor {
    async fn place_worker(&self, p: &Placement) -> Result<String, PluginError> {
        per_version!(self, |pre, wit, interface| {
            let placement = wit::Placement {
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
            self.call(pre, interface, "place-worker", (placement,))
                .await
        })
    }

    async fn subscribe(&self, s: &Subscriber) -> Result<String, PluginError> {
        per_version!(self, |pre, wit, interface| {
            let subscriber = wit::Subscriber {
                email: s.email.clone(),
                first_name: s.first_name.clone(),
                last_name: s.last_name.clone(),
                company: s.company.clone(),
                source: s.source.clone(),
            };
            self.call(pre, interface, "subscribe", (subscriber,)).await
        })
    }

    async fn unsubscribe(&self, email: &str) -> Result<String, PluginError> {
        per_version!(self, |pre, _wit, interface| {
            self.call(pre, interface, "unsubscribe", (email.to_string(),))
                .await
        })
    }

    async fn erase_person(&self, person_ref: &str, email: &str) -> Result<String, PluginError> {
        per_version!(self, |pre, _wit, interface| {
            self.call(
                pre,
                interface,
                "erase-person",
                (person_ref.to_string(), email.to_string()),
            )
            .await
        })
    }

    async fn export_person(&self, person_ref: &str, email: &str) -> Result<String, PluginError> {
        per_version!(self, |pre, _wit, interface| {
            self.call(
                pre,
                interface,
                "export-person",
                (person_ref.to_string(), email.to_string()),
            )
            .await
        })
    }
}
