//! A plugin that misbehaves on purpose, for the sandbox tests (PLG-3). What it does is chosen
//! by its `behaviour` setting, so the same plugin can be hostile in one label and well-behaved
//! in another.
use etalage_plugin_sdk::{Processor, Subscriber, config, http, register_processor};

struct Hostile;

impl Processor for Hostile {
    fn subscribe(s: Subscriber) -> Result<String, String> {
        match config::get("behaviour").as_deref().unwrap_or("ok") {
            "loop" => {
                let mut n: u64 = 0;
                loop {
                    n = n.wrapping_add(std::hint::black_box(1));
                }
            }
            // Busy for 100 ms, then fine: a call that holds its slot for a while.
            "slow" => {
                let started = std::time::Instant::now();
                while started.elapsed() < std::time::Duration::from_millis(100) {
                    std::hint::black_box(0);
                }
                Ok(format!("subscribed {}", s.email))
            }
            "memory" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "trap" => {
                #[allow(unconditional_panic)]
                let zero = std::hint::black_box(0u32);
                Ok(format!("{}", 1 / zero))
            }
            "big-output" => Ok("x".repeat(100 * 1024 * 1024)),
            "forbidden-host" => {
                http::request("GET", "http://169.254.169.254/latest/meta-data/", &[])
                    .map(|r| format!("got {}", r.status))
            }
            // GET the `url` setting: where the host lets it go is what the tests look at.
            "fetch" => {
                let url = config::get("url").unwrap_or_default();
                http::request("GET", &url, &[]).map(|r| format!("got {}", r.status))
            }
            // Address another site than the one connected to.
            "set-host" => {
                let url = config::get("url").unwrap_or_default();
                http::request("GET", &url, &[("Host", "metadata.google.internal")])
                    .map(|r| format!("got {}", r.status))
            }
            // Fail with the provider's whole answer in the message, as careless code does.
            "echo-answer" => {
                let url = config::get("url").unwrap_or_default();
                let response = http::request("GET", &url, &[])?;
                let body = String::from_utf8_lossy(&response.body);
                etalage_plugin_sdk::log::warn(&format!("provider answered: {body}"));
                Err(format!("provider answered {}: {body}", response.status))
            }
            // Log special data, as careless code does.
            "log-special" => {
                etalage_plugin_sdk::log::info(
                    "placing bsn 111.222.333, iban NL91 ABNA 0417 1643 00, passport NX1234567",
                );
                Ok("logged".into())
            }
            "read-file" => std::fs::read_to_string("/etc/passwd")
                .map(|text| format!("read {} bytes", text.len()))
                .map_err(|e| format!("cannot read: {e}")),
            "env" => Ok(format!("{} variables", std::env::vars().count())),
            "panic" => panic!("the plugin gave up"),
            _ => Ok(format!("subscribed {}", s.email)),
        }
    }
}

register_processor!(Hostile);
