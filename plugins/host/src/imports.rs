//! What a plugin can reach: its log (special data masked), its label's settings and secrets,
//! and HTTP to the endpoints of the processors register entry it acts for — on public
//! addresses only (see `net`). WASI is linked because Rust's standard library imports it, but
//! with an empty context: no preopened directories, no environment, no sockets.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use etalage_core::processors::{EndpointPolicy, is_global};
use etalage_core::redact::mask_personal_data;

use wasmtime::component::ResourceTable;
use wasmtime::{StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::engine::Limits;

/// Where and how a plugin runs: one per (label, plugin).
#[derive(Clone, Default)]
pub struct PluginContext {
    pub label: String,
    pub plugin: String,
    pub version: String,
    pub settings: HashMap<String, String>,
    /// Decrypted only in memory, for the call; never logged (`Debug` names them only).
    pub secrets: HashMap<String, String>,
    /// Base URLs of the processors register entry the plugin acts for, in the register's
    /// normal form: their origins (scheme, host, port) are all it may reach.
    pub endpoints: Vec<String>,
}

impl std::fmt::Debug for PluginContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginContext")
            .field("label", &self.label)
            .field("plugin", &self.plugin)
            .field("version", &self.version)
            .field("settings", &self.settings)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .field("endpoints", &self.endpoints)
            .finish()
    }
}

/// One line a plugin wrote to its log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub at: std::time::SystemTime,
    pub level: &'static str,
    pub message: String,
}

/// At most this many log lines, of at most this many characters, per call; a plugin that logs
/// more loses the rest of that call's lines (they still reach the server's own log).
const MAX_LOG_LINES: usize = 100;
const MAX_LOG_CHARS: usize = 2_000;
/// The newest lines kept per (label, plugin), for its operators.
pub(crate) const KEPT_LOG_LINES: usize = 200;

/// A plugin's recent log lines, shared by its calls.
pub(crate) type PluginLog = Arc<Mutex<std::collections::VecDeque<LogLine>>>;

/// The bodies of the answers a call received, so that what the plugin says afterwards (its log
/// lines, its error) can be checked for quoting them: a processor's answer may carry personal
/// data or internals, and operators see plugin messages.
#[derive(Clone, Default)]
pub(crate) struct RemoteAnswers(Arc<Mutex<Vec<Vec<u8>>>>);

/// At most this much of the answers is kept per call for the check.
const KEPT_ANSWER_BYTES: usize = 16 << 20;
/// A run of this many bytes of an answer found in a message counts as quoting it.
const QUOTE_BYTES: usize = 12;
/// A message that quoted an answer is replaced by this.
pub(crate) const WITHHELD: &str =
    "(message withheld: it quoted the processor's answer, which is not shown)";

impl RemoteAnswers {
    fn keep(&self, body: &[u8]) {
        if let Ok(mut bodies) = self.0.lock() {
            let kept: usize = bodies.iter().map(Vec::len).sum();
            let room = KEPT_ANSWER_BYTES.saturating_sub(kept);
            bodies.push(body[..body.len().min(room)].to_vec());
        }
    }

    /// Whether `message` contains a piece of an answer: all of a short one, or any
    /// `QUOTE_BYTES`-long run of a longer one.
    pub(crate) fn quoted_in(&self, message: &str) -> bool {
        let Ok(bodies) = self.0.lock() else {
            return true;
        };
        let message = message.as_bytes();
        let runs: std::collections::HashSet<&[u8]> = message.windows(QUOTE_BYTES).collect();
        bodies.iter().any(|body| {
            let body = body.trim_ascii();
            if body.len() < QUOTE_BYTES {
                body.len() >= 4 && message.windows(body.len()).any(|w| w == body)
            } else {
                body.windows(QUOTE_BYTES).any(|w| runs.contains(w))
            }
        })
    }

    /// What of `message` may be shown to operators and logged: special data masked, and
    /// nothing if it quotes an answer.
    pub(crate) fn screen(&self, message: &str) -> String {
        if self.quoted_in(message) {
            WITHHELD.to_string()
        } else {
            mask_personal_data(message).into_owned()
        }
    }
}

/// The data of one store, i.e. of one call.
pub struct PluginState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limits: StoreLimits,
    pub(crate) ctx: Arc<PluginContext>,
    pub(crate) http: reqwest::Client,
    pub(crate) max_http_response_bytes: usize,
    pub(crate) deadline: Instant,
    pub(crate) log: PluginLog,
    pub(crate) answers: RemoteAnswers,
    policy: EndpointPolicy,
    /// Lines this call has written so far.
    logged: usize,
}

impl PluginState {
    pub(crate) fn new(
        ctx: Arc<PluginContext>,
        limits: &Limits,
        http: reqwest::Client,
        deadline: Instant,
        log: PluginLog,
        answers: RemoteAnswers,
    ) -> Self {
        PluginState {
            // Nothing inherited: no args, env, stdio, preopens or network.
            wasi: WasiCtxBuilder::new().build(),
            table: ResourceTable::new(),
            limits: StoreLimitsBuilder::new()
                .memory_size(limits.memory_bytes)
                .table_elements(100_000)
                .instances(32)
                .tables(32)
                .memories(4)
                // A refused allocation traps with a clear reason instead of the guest's own
                // out-of-memory abort.
                .trap_on_grow_failure(true)
                .build(),
            ctx,
            http,
            max_http_response_bytes: limits.max_http_response_bytes,
            deadline,
            log,
            answers,
            policy: EndpointPolicy {
                test_hosts: limits.test_hosts.clone(),
            },
            logged: 0,
        }
    }
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl PluginState {
    fn write_log(&mut self, level: &'static str, message: String) {
        let message: String = message.chars().take(MAX_LOG_CHARS).collect();
        // Masked before it reaches either log: the server's and the operators'.
        let message = self.answers.screen(&message);
        tracing::info!(label = %self.ctx.label, plugin = %self.ctx.plugin, level, "{message}");
        if self.logged >= MAX_LOG_LINES {
            return;
        }
        self.logged += 1;
        if let Ok(mut lines) = self.log.lock() {
            if lines.len() >= KEPT_LOG_LINES {
                lines.pop_front();
            }
            lines.push_back(LogLine {
                at: std::time::SystemTime::now(),
                level,
                message,
            });
        }
    }
}

/// The imports of one interface version, all handled by the shared code here: the versions
/// differ in their generated types, not in what the host does.
macro_rules! imports {
    ($version:ident) => {
        mod $version {
            use super::{HttpRequest, PluginState};
            use crate::bindings::$version::matcher::etalage::plugin::{config, log};
            use crate::bindings::$version::processor::etalage::plugin::outbound_http;

            impl log::Host for PluginState {
                async fn write(&mut self, level: log::Level, message: String) {
                    let level = match level {
                        log::Level::Debug => "debug",
                        log::Level::Info => "info",
                        log::Level::Warn => "warn",
                        log::Level::Error => "error",
                    };
                    self.write_log(level, message);
                }
            }

            impl config::Host for PluginState {
                async fn get(&mut self, key: String) -> Option<String> {
                    self.ctx.settings.get(&key).cloned()
                }

                async fn secret(&mut self, key: String) -> Option<String> {
                    self.ctx.secrets.get(&key).cloned()
                }
            }

            impl outbound_http::Host for PluginState {
                async fn send(
                    &mut self,
                    request: outbound_http::Request,
                ) -> Result<outbound_http::Response, String> {
                    let request = HttpRequest {
                        method: request.method,
                        url: request.url,
                        headers: request.headers,
                        body: request.body,
                    };
                    let (status, headers, body) = self.send_http(request).await?;
                    Ok(outbound_http::Response {
                        status,
                        headers,
                        body,
                    })
                }
            }
        }
    };
}

imports!(v0_1);
imports!(v0_2);

/// `url` if the plugin may call it: its origin (scheme, host, port) is one of the register
/// entry's endpoints, over https unless the host is a named test host, and an address given
/// literally is a public one. Names are checked again once resolved (`net`).
fn allowed(
    ctx: &PluginContext,
    policy: &EndpointPolicy,
    url: &str,
) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(url).map_err(|e| format!("bad URL {url:?}: {e}"))?;
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let test = policy.is_test_host(&host);
    if !(url.scheme() == "https" || (url.scheme() == "http" && test)) {
        return Err(format!("scheme {} is not allowed; use https", url.scheme()));
    }
    let literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
        _ => None,
    };
    if let Some(ip) = literal.filter(|ip| !test && !is_global(*ip)) {
        return Err(format!("{ip} is not a public address; nothing was sent"));
    }
    let origin = |u: &reqwest::Url| {
        (
            u.scheme().to_string(),
            u.host_str().unwrap_or_default().to_ascii_lowercase(),
            u.port_or_known_default(),
        )
    };
    let wanted = origin(&url);
    let registered = ctx
        .endpoints
        .iter()
        .filter_map(|e| reqwest::Url::parse(e).ok())
        .any(|e| origin(&e) == wanted);
    if !registered {
        return Err(format!(
            "host {host} is not among the endpoints of the processor {} acts for",
            ctx.plugin
        ));
    }
    Ok(url)
}

/// Headers a plugin may not set: which host is addressed, how the connection behaves, and what
/// a proxy would say about the client are the host's business.
const FORBIDDEN_HEADERS: &[&str] = &[
    "host",
    "connection",
    "keep-alive",
    "proxy-authorization",
    "proxy-authenticate",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "forwarded",
    "via",
    "x-real-ip",
];

fn forbidden_header(name: &str) -> bool {
    let name = name.trim().to_ascii_lowercase();
    FORBIDDEN_HEADERS.contains(&name.as_str()) || name.starts_with("x-forwarded-")
}

/// An HTTP request as a plugin makes it, whatever its interface version.
struct HttpRequest {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

type HttpResponse = (u16, Vec<(String, String)>, Vec<u8>);

impl PluginState {
    async fn send_http(&mut self, request: HttpRequest) -> Result<HttpResponse, String> {
        let url = allowed(&self.ctx, &self.policy, &request.url)?;
        let method = reqwest::Method::from_bytes(request.method.to_ascii_uppercase().as_bytes())
            .map_err(|_| format!("bad method {}", request.method))?;
        if let Some((name, _)) = request.headers.iter().find(|(n, _)| forbidden_header(n)) {
            return Err(format!(
                "a plugin may not set the {name} header; nothing was sent"
            ));
        }
        let mut builder = self.http.request(method, url.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        let response = builder
            .body(request.body)
            .timeout(remaining)
            .send()
            .await
            .map_err(|e| {
                // The chain says why (e.g. a refused address), never the answer's body.
                let mut why = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(inner) = source {
                    why = format!("{why}: {inner}");
                    source = inner.source();
                }
                format!("request to {} failed: {why}", url.host_str().unwrap_or("?"))
            })?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.to_string(), v.to_string())))
            .collect();
        let mut body = Vec::new();
        let mut response = response;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("reading the answer failed: {e}"))?
        {
            if body.len() + chunk.len() > self.max_http_response_bytes {
                return Err(format!(
                    "the answer is larger than {} bytes",
                    self.max_http_response_bytes
                ));
            }
            body.extend_from_slice(&chunk);
        }
        self.answers.keep(&body);
        Ok((status, headers, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(endpoints: &[&str]) -> PluginContext {
        PluginContext {
            plugin: "payroll-connector".into(),
            endpoints: endpoints.iter().map(|e| e.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn plg_3_a_plugin_reaches_only_the_origins_of_its_register_entry() {
        let ctx = ctx(&["https://api.payroll.example:443/v1"]);
        let policy = EndpointPolicy::default();
        assert!(allowed(&ctx, &policy, "https://api.payroll.example/v1/placements").is_ok());
        assert!(allowed(&ctx, &policy, "https://API.payroll.example/other").is_ok());
        for bad in [
            "https://api.payroll.example:8443/x",
            "http://api.payroll.example/v1",
            "https://evil.example/",
            "https://api.payroll.example.evil.example/",
            "http://169.254.169.254/latest",
            "https://169.254.169.254/latest",
            "https://127.0.0.1/",
            "https://[::1]/",
            "https://10.0.0.7/",
            "file:///etc/passwd",
            "not a url",
        ] {
            assert!(allowed(&ctx, &policy, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sec_non_public_literals_are_refused_even_when_registered() {
        // A register entry can only hold such an address through a test host; should one get
        // there another way, the host still refuses it.
        let ctx = ctx(&["https://127.0.0.1:443", "https://[::ffff:a9fe:a9fe]:443"]);
        let policy = EndpointPolicy::default();
        assert!(allowed(&ctx, &policy, "https://127.0.0.1/").is_err());
        assert!(allowed(&ctx, &policy, "https://[::ffff:169.254.169.254]/").is_err());
        let tests = EndpointPolicy {
            test_hosts: vec!["127.0.0.1".into()],
        };
        assert!(allowed(&ctx, &tests, "https://127.0.0.1/").is_ok());
    }

    #[test]
    fn sec_a_plugin_cannot_set_host_or_forwarding_headers() {
        for name in [
            "Host",
            "host",
            " HOST ",
            "Connection",
            "Transfer-Encoding",
            "X-Forwarded-For",
            "x-forwarded-host",
            "Forwarded",
            "Proxy-Authorization",
        ] {
            assert!(forbidden_header(name), "{name}");
        }
        for name in ["authorization", "content-type", "accept", "x-api-key"] {
            assert!(!forbidden_header(name), "{name}");
        }
    }

    #[test]
    fn sec_a_message_quoting_a_remote_answer_is_withheld() {
        let answers = RemoteAnswers::default();
        answers.keep(br#"{"error":"employee 111222333 has IBAN NL91ABNA0417164300"}"#);
        answers.keep(b"nope");
        let quoted = r#"payroll provider answered 422: {"error":"employee 111222333 has"#;
        assert_eq!(answers.screen(quoted), WITHHELD);
        assert_eq!(answers.screen("the provider said: nope"), WITHHELD);
        assert_eq!(
            answers.screen("payroll provider answered 422"),
            "payroll provider answered 422"
        );
        // Special data is masked even when it did not come from an answer.
        assert_eq!(answers.screen("bsn 111222333"), "bsn [bsn]");
    }

    #[test]
    fn sec_plugin_context_debug_names_secrets_without_values() {
        let mut ctx = ctx(&[]);
        ctx.secrets.insert("api_key".into(), "geheim-123".into());
        let printed = format!("{ctx:?}");
        assert!(
            printed.contains("api_key") && !printed.contains("geheim-123"),
            "{printed}"
        );
    }
}
