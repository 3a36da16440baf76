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
    Batch, Candidate, Score, Span, Vacancy, WeightedSkill,
};

impl Batch {
    fn span(&self, span: Span) -> &[u32] {
        let start = span.start as usize;
        self.pool
            .get(start..start.saturating_add(span.len as usize))
            .unwrap_or(&[])
    }

    /// The candidate's skill ids.
    pub fn skills(&self, candidate: &Candidate) -> &[u32] {
        self.span(candidate.skills)
    }

    /// The candidate's language ids (see [`Batch::term`]).
    pub fn languages(&self, candidate: &Candidate) -> &[u32] {
        self.span(candidate.languages)
    }

    /// The candidate's driving licence ids (see [`Batch::term`]).
    pub fn driving_licences(&self, candidate: &Candidate) -> &[u32] {
        self.span(candidate.driving_licences)
    }

    /// The word behind a region, language or licence id.
    pub fn term(&self, id: u32) -> &str {
        self.terms
            .get(id as usize)
            .map(String::as_str)
            .unwrap_or("?")
    }
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

/// Outbound HTTP, to the hosts the label operator allowed for this plugin (processors only).
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

/// A label's matcher: scores a batch of pseudonymous candidates for one vacancy.
pub trait Matcher {
    /// One score per candidate (`Score::candidate` is its position in the batch), in any
    /// order; candidates left out count as not suitable.
    fn rank(vacancy: Vacancy, batch: Batch) -> Result<Vec<Score>, String>;
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
            ) -> ::std::result::Result<::std::vec::Vec<$crate::Score>, ::std::string::String> {
                <$plugin as $crate::Matcher>::rank(vacancy, batch)
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
