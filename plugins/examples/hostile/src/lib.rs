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
