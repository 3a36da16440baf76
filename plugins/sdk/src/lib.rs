//! The Etalage plugin SDK.
//!
//! A plugin implements one friendly trait — [`Matcher`] or [`Processor`] — and registers it
//! with [`register_matcher!`] or [`register_processor!`]. Build it with
//! `cargo build --target wasm32-wasip2 --release`; the `.wasm` file is the component a platform
//! admin installs. See `plugins/README.md`.
//!
//! What a plugin can reach is only what this SDK offers: [`log`], [`config`] (its settings and
//! secrets for the label it runs in) and, for processors, [`http`] to the hosts the label
//! allowed. There are no files, no environment variables and no other network.

#[doc(hidden)]
pub mod matcher_bindings {
    wit_bindgen::generate!({
        path: "../wit/etalage-plugin.wit",
        world: "matcher",
        pub_export_macro: true,
        export_macro_name: "export_matcher_world",
        default_bindings_module: "etalage_plugin_sdk::matcher_bindings",
    });
}

#[doc(hidden)]
pub mod processor_bindings {
    wit_bindgen::generate!({
        path: "../wit/etalage-plugin.wit",
        world: "processor",
        pub_export_macro: true,
        export_macro_name: "export_processor_world",
        default_bindings_module: "etalage_plugin_sdk::processor_bindings",
    });
}

pub use matcher_bindings::exports::etalage::plugin::matching::{
    Batch, Scores, Vacancy, WeightedSkill,
};

/// In a batch's `regions` and `hours_per_week` columns: not known. [`Candidate`] turns it into
/// `None`.
pub const UNKNOWN: u32 = u32::MAX;

/// Entry `i` of a list column: `values[ends[i-1]..ends[i]]`, from 0 for the first.
fn run<'a>(ends: &[u32], values: &'a [u32], i: usize) -> &'a [u32] {
    let end = ends.get(i).copied().unwrap_or(0) as usize;
    let start = match i {
        0 => 0,
        _ => ends.get(i - 1).copied().unwrap_or(0) as usize,
    };
    values.get(start..end).unwrap_or(&[])
}

fn known(value: Option<&u32>) -> Option<u32> {
    value.copied().filter(|v| *v != UNKNOWN)
}

impl Batch {
    /// How many candidates the batch holds.
    pub fn len(&self) -> usize {
        self.years_experience.len()
    }

    pub fn is_empty(&self) -> bool {
        self.years_experience.is_empty()
    }

    /// The candidate at `index`, if there is one.
    pub fn candidate(&self, index: usize) -> Option<Candidate<'_>> {
        (index < self.len()).then_some(Candidate { batch: self, index })
    }

    /// Every candidate, in batch order.
    pub fn candidates(&self) -> impl ExactSizeIterator<Item = Candidate<'_>> + '_ {
        (0..self.len()).map(move |index| Candidate { batch: self, index })
    }

    /// The word behind a region, language or licence id.
    pub fn term(&self, id: u32) -> &str {
        self.terms
            .get(id as usize)
            .map(String::as_str)
            .unwrap_or("?")
    }
}

/// One candidate of a batch: pseudonymous features, read from the batch's columns.
#[derive(Clone, Copy)]
pub struct Candidate<'a> {
    batch: &'a Batch,
    index: usize,
}

impl<'a> Candidate<'a> {
    /// The candidate's position in the batch.
    pub fn index(&self) -> usize {
        self.index
    }

    pub fn batch(&self) -> &'a Batch {
        self.batch
    }

    /// Skill ids.
    pub fn skills(&self) -> &'a [u32] {
        run(&self.batch.skill_ends, &self.batch.skills, self.index)
    }

    /// Region id (see [`Batch::term`]), when known.
    pub fn region(&self) -> Option<u32> {
        known(self.batch.regions.get(self.index))
    }

    /// Hours a week the candidate is available, when known.
    pub fn hours_per_week(&self) -> Option<u32> {
        known(self.batch.hours_per_week.get(self.index))
    }

    pub fn years_experience(&self) -> u32 {
        self.batch
            .years_experience
            .get(self.index)
            .copied()
            .unwrap_or(0)
    }

    /// Language ids (see [`Batch::term`]).
    pub fn languages(&self) -> &'a [u32] {
        run(&self.batch.language_ends, &self.batch.languages, self.index)
    }

    /// Driving licence ids (see [`Batch::term`]).
    pub fn driving_licences(&self) -> &'a [u32] {
        run(
            &self.batch.licence_ends,
            &self.batch.driving_licences,
            self.index,
        )
    }
}

/// Where a matcher writes why it gave a score: one or two sentences a recruiter can read.
/// All explanations of a call share one buffer, so writing one costs no allocation.
pub struct Explanation<'a> {
    text: &'a mut String,
    start: usize,
}

impl Explanation<'_> {
    pub fn push_str(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// Writes a number without going through `format!`, which is slow for something done
    /// for every candidate.
    pub fn push_number(&mut self, mut n: u32) {
        let mut digits = [0u8; 10];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        for &d in &digits[i..] {
            self.text.push(d as char);
        }
    }

    /// Nothing written yet for this candidate.
    pub fn is_empty(&self) -> bool {
        self.text.len() == self.start
    }
}

impl std::fmt::Write for Explanation<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.text.push_str(s);
        Ok(())
    }
}

/// Scores every candidate of `batch` with a prepared matcher: the loop behind
/// [`register_matcher!`], public so that a matcher can be run and benchmarked natively.
pub fn rank_with<M: Matcher>(matcher: &M, vacancy: &Vacancy, batch: &Batch) -> Scores {
    let mut values = Vec::with_capacity(batch.len());
    let mut text = String::with_capacity(batch.len() * 48);
    let mut ends = Vec::with_capacity(batch.len());
    for candidate in batch.candidates() {
        let start = text.len();
        let score = matcher.score(
            vacancy,
            candidate,
            &mut Explanation {
                text: &mut text,
                start,
            },
        );
        values.push(score);
        ends.push(text.len() as u32);
    }
    Scores {
        values,
        explanations: text,
        explanation_ends: ends,
    }
}

/// Prepares `M` for the vacancy and scores the batch.
pub fn rank<M: Matcher>(vacancy: &Vacancy, batch: &Batch) -> Result<Scores, String> {
    let matcher = M::prepare(vacancy, batch)?;
    Ok(rank_with(&matcher, vacancy, batch))
}

pub use processor_bindings::exports::etalage::plugin::integration::{Placement, Subscriber};

/// Messages for the operator's plugin log.
pub mod log {
    use super::matcher_bindings::etalage::plugin::log::{Level, write};

    pub fn debug(message: &str) {
        write(Level::Debug, message);
    }
    pub fn info(message: &str) {
        write(Level::Info, message);
    }
    pub fn warn(message: &str) {
        write(Level::Warn, message);
    }
    pub fn error(message: &str) {
        write(Level::Error, message);
    }
}

/// The plugin's settings and secrets for the label it runs in.
pub mod config {
    pub use super::matcher_bindings::etalage::plugin::config::{get, secret};

    /// A setting parsed as `T`, or `default` when it is missing or does not parse.
    pub fn get_or<T: std::str::FromStr>(key: &str, default: T) -> T {
        get(key).and_then(|v| v.parse().ok()).unwrap_or(default)
    }
}

/// Outbound HTTP (processors only), to the endpoints of the processors register entry the
/// plugin acts for, over https, on public addresses; `Host` and forwarding headers are the
/// host's to set.
pub mod http {
    pub use super::processor_bindings::etalage::plugin::outbound_http::{Request, Response, send};

    /// A JSON POST; returns the response or a readable error.
    pub fn post_json(url: &str, body: &str, headers: &[(&str, &str)]) -> Result<Response, String> {
        let mut all = vec![("content-type".to_string(), "application/json".to_string())];
        all.extend(headers.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        send(&Request {
            method: "POST".into(),
            url: url.into(),
            headers: all,
            body: body.as_bytes().to_vec(),
        })
    }

    /// A request with any method and no body.
    pub fn request(method: &str, url: &str, headers: &[(&str, &str)]) -> Result<Response, String> {
        send(&Request {
            method: method.into(),
            url: url.into(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
        })
    }
}

/// A label's matcher: scores pseudonymous candidates for one vacancy, one at a time. The host
/// sorts; the SDK hands over the answer.
pub trait Matcher: Sized {
    /// Once per call, before any candidate: read the label's settings, check the vacancy. An
    /// error fails the whole call with that message.
    fn prepare(vacancy: &Vacancy, batch: &Batch) -> Result<Self, String>;

    /// The candidate's fit, from 0.0 (none) to 1.0 (perfect), with why in `why`.
    fn score(&self, vacancy: &Vacancy, candidate: Candidate<'_>, why: &mut Explanation<'_>) -> f32;
}

/// A processor integration. Every handler has a default that refuses, so a newsletter
/// connector implements only the newsletter events.
pub trait Processor {
    fn place_worker(_placement: Placement) -> Result<String, String> {
        Err("this integration does not handle placements".into())
    }
    fn subscribe(_subscriber: Subscriber) -> Result<String, String> {
        Err("this integration does not handle newsletter subscriptions".into())
    }
    fn unsubscribe(_email: String) -> Result<String, String> {
        Err("this integration does not handle newsletter subscriptions".into())
    }
    fn erase_person(_person_ref: String, _email: String) -> Result<String, String> {
        Err("this integration does not handle erasure".into())
    }
    fn export_person(_person_ref: String, _email: String) -> Result<String, String> {
        Err("this integration does not handle export requests".into())
    }
}

/// Registers a [`Matcher`] implementation as this component's export.
#[macro_export]
macro_rules! register_matcher {
    ($plugin:ty) => {
        struct __EtalageMatcherExport;
        impl $crate::matcher_bindings::exports::etalage::plugin::matching::Guest
            for __EtalageMatcherExport
        {
            fn rank(
                vacancy: $crate::Vacancy,
                batch: $crate::Batch,
            ) -> ::std::result::Result<$crate::Scores, ::std::string::String> {
                $crate::rank::<$plugin>(&vacancy, &batch)
            }
        }
        $crate::matcher_bindings::export_matcher_world!(__EtalageMatcherExport);
    };
}

/// Registers a [`Processor`] implementation as this component's export.
#[macro_export]
macro_rules! register_processor {
    ($plugin:ty) => {
        struct __EtalageProcessorExport;
        impl $crate::processor_bindings::exports::etalage::plugin::integration::Guest
            for __EtalageProcessorExport
        {
            fn place_worker(
                p: $crate::Placement,
            ) -> ::std::result::Result<::std::string::String, ::std::string::String> {
                <$plugin as $crate::Processor>::place_worker(p)
            }
            fn subscribe(
                s: $crate::Subscriber,
            ) -> ::std::result::Result<::std::string::String, ::std::string::String> {
                <$plugin as $crate::Processor>::subscribe(s)
            }
            fn unsubscribe(
                email: ::std::string::String,
            ) -> ::std::result::Result<::std::string::String, ::std::string::String> {
                <$plugin as $crate::Processor>::unsubscribe(email)
            }
            fn erase_person(
                r: ::std::string::String,
                email: ::std::string::String,
            ) -> ::std::result::Result<::std::string::String, ::std::string::String> {
                <$plugin as $crate::Processor>::erase_person(r, email)
            }
            fn export_person(
                r: ::std::string::String,
                email: ::std::string::String,
            ) -> ::std::result::Result<::std::string::String, ::std::string::String> {
                <$plugin as $crate::Processor>::export_person(r, email)
            }
        }
        $crate::processor_bindings::export_processor_world!(__EtalageProcessorExport);
    };
}
