//! What a plugin can reach: its log, its label's settings and secrets, and HTTP to the hosts
//! its label allowed. WASI is linked because Rust's standard library imports it, but with an
//! empty context: no preopened directories, no environment, no sockets.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use wasmtime::component::ResourceTable;
use wasmtime::{StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::engine::Limits;

/// Where and how a plugin runs: one per (label, plugin).
#[derive(Clone, Debug, Default)]
pub struct PluginContext {
    pub label: String,
    pub plugin: String,
    pub version: String,
    pub settings: HashMap<String, String>,
    /// Decrypted only in memory, for the call; never logged.
    pub secrets: HashMap<String, String>,
    /// Hostnames (lower case, no port) the plugin may send HTTP requests to.
    pub allowed_hosts: Vec<String>,
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

/// The host of `url` if the plugin may call it.
fn allowed(ctx: &PluginContext, url: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(url).map_err(|e| format!("bad URL {url:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("scheme {} is not allowed", url.scheme()));
    }
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if !ctx.allowed_hosts.contains(&host) {
        return Err(format!(
            "host {host} is not among the hosts this label allowed for {}",
            ctx.plugin
        ));
    }
    Ok(url)
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
        let url = allowed(&self.ctx, &request.url)?;
        let method = reqwest::Method::from_bytes(request.method.to_ascii_uppercase().as_bytes())
            .map_err(|_| format!("bad method {}", request.method))?;
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
            .map_err(|e| format!("request to {} failed: {e}", url.host_str().unwrap_or("?")))?;
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
        Ok((status, headers, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plg_3_only_allowed_hosts_over_http_are_reachable() {
        let ctx = PluginContext {
            plugin: "payroll-connector".into(),
            allowed_hosts: vec!["api.payroll.example".into()],
            ..Default::default()
        };
        assert!(allowed(&ctx, "https://api.payroll.example/v1/placements").is_ok());
        assert!(allowed(&ctx, "https://API.payroll.example:8443/x").is_ok());
        for bad in [
            "https://evil.example/",
            "https://api.payroll.example.evil.example/",
            "http://169.254.169.254/latest",
            "file:///etc/passwd",
            "not a url",
        ] {
            assert!(allowed(&ctx, bad).is_err(), "{bad}");
        }
    }
}
