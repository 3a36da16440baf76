//! PLG-3: a faulty or hostile plugin cannot crash, stall, read or leak past its sandbox. Each
//! misbehaviour ends in a clear error within its deadline, other calls go on meanwhile, and
//! the same plugin in another label is not affected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use etalage_core::plugins::{PluginError, Processor, Subscriber};
use etalage_plugin_host::{Limits, WasmProcessor};
use support::{context, engine, prepared};

fn subscriber() -> Subscriber {
    Subscriber {
        email: "jan@example.nl".into(),
        first_name: None,
        last_name: None,
        company: None,
        source: "website".into(),
    }
}

fn limits() -> Limits {
    Limits {
        processor_deadline: Duration::from_millis(500),
        memory_bytes: 32 * 1024 * 1024,
        ..Limits::default()
    }
}

async fn hostile(behaviour: &str) -> (Result<String, PluginError>, Duration) {
    let engine = engine(limits());
    let plugin = WasmProcessor::new(
        engine.clone(),
        prepared(&engine, "hostile"),
        context("werkweb", "hostile", &[("behaviour", behaviour)]),
    )
    .unwrap();
    let started = Instant::now();
    let result = plugin.subscribe(&subscriber()).await;
    (result, started.elapsed())
}

#[tokio::test]
async fn plg_3_a_well_behaved_call_answers() {
    let (result, _) = hostile("ok").await;
    assert_eq!(result.unwrap(), "subscribed jan@example.nl");
}

#[tokio::test]
async fn plg_3_an_endless_loop_is_stopped_at_its_deadline() {
    let (result, took) = hostile("loop").await;
    assert_eq!(result, Err(PluginError::Deadline(500)));
    assert!(took < Duration::from_secs(3), "stopped after {took:?}");
}

#[tokio::test]
async fn plg_3_endless_memory_growth_hits_the_limit() {
    let (result, _) = hostile("memory").await;
    assert!(matches!(result, Err(PluginError::Limits(_))), "{result:?}");
}

#[tokio::test]
async fn plg_3_a_trap_is_a_crash_not_a_dead_host() {
    let (result, _) = hostile("trap").await;
    assert!(matches!(result, Err(PluginError::Crashed(_))), "{result:?}");
}

#[tokio::test]
async fn plg_3_a_panic_is_a_crash_not_a_dead_host() {
    let (result, _) = hostile("panic").await;
    assert!(matches!(result, Err(PluginError::Crashed(_))), "{result:?}");
}

/// The plugin has the memory to build a 100 MB answer; the host measures it where it lies, in
/// the plugin's memory, and refuses it without copying it out. (With less memory the plugin
/// would fail to build it, and `AnswerTooLarge` would never be reached.)
#[tokio::test]
async fn plg_3_a_100_mb_answer_is_refused() {
    let engine = engine(Limits {
        memory_bytes: 256 * 1024 * 1024,
        ..limits()
    });
    let plugin = WasmProcessor::new(
        engine.clone(),
        prepared(&engine, "hostile"),
        context("werkweb", "hostile", &[("behaviour", "big-output")]),
    )
    .unwrap();
    let result = plugin.subscribe(&subscriber()).await;
    let max = Limits::default().max_output_bytes;
    assert_eq!(
        result,
        Err(PluginError::AnswerTooLarge(format!(
            "the plugin answered {} bytes; at most {max} are accepted",
            100 * 1024 * 1024
        )))
    );
}

#[tokio::test]
async fn plg_3_a_host_the_label_did_not_allow_is_unreachable() {
    let (result, _) = hostile("forbidden-host").await;
    match result {
        Err(PluginError::Reported(message)) => {
            assert!(message.contains("use https"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

/// The hostile plugin fetching `url` with `endpoints` as its register entry's, on an engine
/// whose test hosts are `test_hosts`.
async fn fetch(
    behaviour: &str,
    url: &str,
    endpoints: &[&str],
    test_hosts: &[&str],
) -> (Result<String, PluginError>, Vec<String>) {
    let engine = engine(Limits {
        test_hosts: test_hosts.iter().map(|h| h.to_string()).collect(),
        ..limits()
    });
    let mut ctx = context(
        "werkweb",
        "hostile",
        &[("behaviour", behaviour), ("url", url)],
    );
    ctx.endpoints = endpoints.iter().map(|e| e.to_string()).collect();
    let plugin = WasmProcessor::new(engine.clone(), prepared(&engine, "hostile"), ctx).unwrap();
    let result = plugin.subscribe(&subscriber()).await;
    let log = plugin.log().into_iter().map(|l| l.message).collect();
    (result, log)
}

/// A stand-in server on 127.0.0.1 that answers every request with `status` and `body`, and
/// counts them.
async fn server(
    status: u16,
    body: &'static str,
) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    let app = axum::Router::new().fallback(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async move {
            (
                axum::http::StatusCode::from_u16(status).unwrap(),
                body.to_string(),
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (port, hits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_ssrf_to_loopback_private_link_local_and_v6_addresses_is_refused_even_when_registered()
{
    let (port, hits) = server(200, "inside").await;
    // Each is the register entry's own endpoint: only the address check stands in the way.
    for url in [
        format!("https://127.0.0.1:{port}/"),
        "https://169.254.169.254/latest/meta-data/".to_string(),
        format!("https://[::1]:{port}/"),
        format!("https://[::ffff:127.0.0.1]:{port}/"),
        "https://10.0.0.1/".to_string(),
        "https://192.168.1.1/".to_string(),
        "https://0.0.0.0/".to_string(),
    ] {
        let (result, _) = fetch("fetch", &url, &[&url], &[]).await;
        match result {
            Err(PluginError::Reported(m)) => {
                assert!(m.contains("not a public address"), "{url}: {m}")
            }
            other => panic!("{url}: {other:?}"),
        }
    }
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_ssrf_through_a_dns_name_resolving_to_loopback_is_refused_at_connect_time() {
    let (port, hits) = server(200, "inside").await;
    // `localhost` passes every check on the URL; what it resolves to does not.
    let url = format!("https://localhost:{port}/");
    let (result, _) = fetch("fetch", &url, &[&url], &[]).await;
    match result {
        Err(PluginError::Reported(m)) => {
            assert!(m.contains("localhost has no public address"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0);
    // Named as a test host, the same address is reachable (over http): the allowance, not
    // the address, decides.
    let url = format!("http://localhost:{port}/");
    let (result, _) = fetch("fetch", &url, &[&url], &["localhost"]).await;
    assert_eq!(result.unwrap(), "got 200");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_a_plugin_cannot_set_the_host_header() {
    let (port, hits) = server(200, "inside").await;
    let url = format!("http://127.0.0.1:{port}/");
    let (result, _) = fetch("set-host", &url, &[&url], &["127.0.0.1"]).await;
    match result {
        Err(PluginError::Reported(m)) => assert!(m.contains("may not set the Host header"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_a_failed_call_never_shows_the_remote_body() {
    const BODY: &str = r#"{"error":"employee Jan Jansen, bsn on file, internal trace at db-7"}"#;
    let (port, hits) = server(422, BODY).await;
    let url = format!("http://127.0.0.1:{port}/");
    let (result, log) = fetch("echo-answer", &url, &[&url], &["127.0.0.1"]).await;
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);
    match result {
        Err(PluginError::Reported(m)) => {
            assert!(!m.contains("Jan Jansen") && !m.contains("db-7"), "{m}");
            assert!(m.contains("withheld"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!log.is_empty(), "the plugin logged");
    assert!(log.iter().all(|l| !l.contains("Jan Jansen")), "{log:?}");
}

#[tokio::test]
async fn sec_plugin_log_lines_have_bsn_iban_and_document_numbers_masked() {
    let (result, log) = fetch("log-special", "", &[], &[]).await;
    assert_eq!(result.unwrap(), "logged");
    assert_eq!(
        log,
        ["placing bsn [bsn], iban [iban], passport [document number]"]
    );
}

#[tokio::test(flavor = "current_thread")]
async fn sec_one_label_saturating_its_share_leaves_another_label_answering() {
    // Four slots in all, two per label: werkweb's four slow calls get two, and 65plus-werkt's
    // call runs while werkweb's are still going. With one pool for everybody, werkweb's calls
    // would hold all four and the other label would wait for them to end.
    let engine = engine(Limits {
        max_concurrent_instances: 4,
        max_concurrent_per_label: 2,
        ..limits()
    });
    let looping = WasmProcessor::new(
        engine.clone(),
        prepared(&engine, "hostile"),
        context("werkweb", "hostile", &[("behaviour", "loop")]),
    )
    .unwrap();
    let other = WasmProcessor::new(
        engine.clone(),
        prepared(&engine, "hostile"),
        context("65plus-werkt", "hostile", &[("behaviour", "ok")]),
    )
    .unwrap();
    let ended = std::sync::atomic::AtomicUsize::new(0);
    let subscribers: Vec<Subscriber> = (0..4).map(|_| subscriber()).collect();
    let saturating = futures::future::join_all(subscribers.iter().map(|s| {
        let (looping, ended) = (&looping, &ended);
        async move {
            let result = looping.subscribe(s).await;
            ended.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            result
        }
    }));
    let b = subscriber();
    let (results, (answer, ended_before)) = tokio::join!(saturating, async {
        // Let werkweb's calls take their slots first.
        tokio::task::yield_now().await;
        let answer = other.subscribe(&b).await;
        (answer, ended.load(std::sync::atomic::Ordering::SeqCst))
    });
    assert_eq!(answer.unwrap(), "subscribed jan@example.nl");
    assert_eq!(
        ended_before, 0,
        "the other label answered while werkweb's calls ran"
    );
    // werkweb's calls beyond its share waited for a slot of its own, not the other label's.
    for result in results {
        assert!(
            matches!(
                result,
                Err(PluginError::Deadline(_)) | Err(PluginError::Busy(_))
            ),
            "{result:?}"
        );
    }
}

#[tokio::test]
async fn plg_3_files_and_environment_are_not_there() {
    let (result, _) = hostile("read-file").await;
    match result {
        Err(PluginError::Reported(message)) => {
            assert!(message.contains("cannot read"), "{message}")
        }
        other => panic!("a plugin read a file: {other:?}"),
    }
    // The host's environment is full of variables (PATH, HOME, …); none reach the plugin.
    assert!(std::env::vars().count() > 0);
    let (result, _) = hostile("env").await;
    assert_eq!(result.unwrap(), "0 variables");
}

#[tokio::test(flavor = "current_thread")]
async fn plg_3_a_stalled_plugin_does_not_stall_other_calls_or_labels() {
    // One thread only: if the looping plugin blocked it, nothing else could run.
    let engine = engine(limits());
    let looping = WasmProcessor::new(
        engine.clone(),
        prepared(&engine, "hostile"),
        context("werkweb", "hostile", &[("behaviour", "loop")]),
    )
    .unwrap();
    let same_plugin_other_label = WasmProcessor::new(
        engine.clone(),
        prepared(&engine, "hostile"),
        context("65plus-werkt", "hostile", &[("behaviour", "ok")]),
    )
    .unwrap();
    let (a, b) = (subscriber(), subscriber());
    let stalled_ended = std::sync::atomic::AtomicBool::new(false);
    let (stalled, (other, stalled_still_running)) = tokio::join!(
        async {
            let result = looping.subscribe(&a).await;
            stalled_ended.store(true, std::sync::atomic::Ordering::SeqCst);
            result
        },
        async {
            let result = same_plugin_other_label.subscribe(&b).await;
            (
                result,
                !stalled_ended.load(std::sync::atomic::Ordering::SeqCst),
            )
        }
    );
    assert_eq!(stalled, Err(PluginError::Deadline(500)));
    assert_eq!(other.unwrap(), "subscribed jan@example.nl");
    assert!(
        stalled_still_running,
        "the other label was answered only after the stalled call ended"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn plg_3_calls_beyond_the_pool_wait_for_a_free_slot_instead_of_failing() {
    // One instance slot and three calls that each hold it for 100 ms: without waiting for the
    // slot, the second and third would fail to instantiate.
    let engine = engine(Limits {
        max_concurrent_instances: 1,
        ..limits()
    });
    let slow = WasmProcessor::new(
        engine.clone(),
        prepared(&engine, "hostile"),
        context("werkweb", "hostile", &[("behaviour", "slow")]),
    )
    .unwrap();
    let (a, b, c) = (subscriber(), subscriber(), subscriber());
    let (a, b, c) = tokio::join!(slow.subscribe(&a), slow.subscribe(&b), slow.subscribe(&c));
    for result in [a, b, c] {
        assert_eq!(result.unwrap(), "subscribed jan@example.nl");
    }
}
