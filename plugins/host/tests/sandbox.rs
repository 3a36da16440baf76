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

#[tokio::test]
async fn plg_3_a_100_mb_answer_is_refused() {
    let (result, _) = hostile("big-output").await;
    assert!(
        matches!(
            result,
            Err(PluginError::Limits(_)) | Err(PluginError::AnswerTooLarge(_))
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn plg_3_a_host_the_label_did_not_allow_is_unreachable() {
    let (result, _) = hostile("forbidden-host").await;
    match result {
        Err(PluginError::Reported(message)) => {
            assert!(message.contains("not among the hosts"), "{message}")
        }
        other => panic!("{other:?}"),
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
