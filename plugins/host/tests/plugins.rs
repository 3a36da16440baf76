//! The example plugins against the host: the skills matcher ranks a batch (PLG-1), and the
//! connectors reach a real local HTTP server standing in for each provider (PLG-2).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, post};
use axum::{Json, Router};
use etalage_core::plugins::{
    CandidateFeatures, MatchBatch, Matcher, Placement, PluginError, Processor, Subscriber,
    VacancyProfile, WeightedSkill,
};
use etalage_plugin_host::{Limits, PluginContext, WasmMatcher, WasmProcessor};
use support::{context, engine, prepared};

fn candidate(id: &str, skills: &[u32], region: &str, hours: u32) -> CandidateFeatures {
    CandidateFeatures {
        id: id.into(),
        skills: skills.to_vec(),
        region: Some(region.into()),
        hours_per_week: Some(hours),
        years_experience: 5,
        languages: vec!["nl".into()],
        driving_licences: vec![],
    }
}

/// A ranking as (pseudonym, score, explanation), best first.
struct Scored {
    candidate: String,
    score: f32,
    explanation: String,
}

async fn rank(
    matcher: &WasmMatcher,
    vacancy: &VacancyProfile,
    candidates: &[CandidateFeatures],
) -> Result<Vec<Scored>, PluginError> {
    let batch = MatchBatch::from_candidates(vacancy, candidates);
    let ranking = matcher.rank(&batch).await?;
    assert_eq!(ranking.len(), candidates.len(), "every candidate is ranked");
    Ok(ranking
        .iter()
        .map(|r| Scored {
            candidate: batch.ids()[r.position].clone(),
            score: r.score,
            explanation: r.explanation.to_string(),
        })
        .collect())
}

fn vacancy() -> VacancyProfile {
    VacancyProfile {
        id: "v1".into(),
        skills: vec![
            WeightedSkill {
                skill: 1,
                weight: 1.0,
                required: true,
            },
            WeightedSkill {
                skill: 2,
                weight: 0.5,
                required: false,
            },
        ],
        region: Some("utrecht".into()),
        hours_per_week: Some(32),
        min_years_experience: None,
        languages: vec!["nl".into()],
        driving_licences: vec![],
    }
}

#[tokio::test]
async fn plg_1_skills_matcher_ranks_a_batch_with_explanations() {
    let engine = engine(Limits::default());
    let matcher = WasmMatcher::new(
        engine.clone(),
        prepared(&engine, "skills_matcher"),
        context("werkweb", "skills-matcher", &[]),
    )
    .unwrap();
    let vacancy = vacancy();
    let batch = vec![
        candidate("c-partial", &[1], "Utrecht", 32),
        candidate("c-missing-required", &[2], "Utrecht", 32),
        candidate("c-best", &[1, 2], "Utrecht", 32),
        candidate("c-elsewhere", &[1, 2], "Groningen", 16),
    ];
    let scores = rank(&matcher, &vacancy, &batch).await.unwrap();
    let order: Vec<&str> = scores.iter().map(|s| s.candidate.as_str()).collect();
    assert_eq!(
        order,
        ["c-best", "c-partial", "c-elsewhere", "c-missing-required"]
    );
    assert!((scores[0].score - 1.0).abs() < 1e-6);
    assert_eq!(scores[3].score, 0.0);
    assert!(
        scores[3].explanation.contains("required"),
        "{}",
        scores[3].explanation
    );
    assert!(
        scores[2].explanation.contains("other region"),
        "{}",
        scores[2].explanation
    );

    // The label's settings steer it: all weight on the region puts the other region last.
    let regional = WasmMatcher::new(
        engine.clone(),
        prepared(&engine, "skills_matcher"),
        context(
            "werkweb",
            "skills-matcher",
            &[
                ("weight_skills", "0"),
                ("weight_hours", "0"),
                ("weight_region", "1"),
            ],
        ),
    )
    .unwrap();
    let scores = rank(&regional, &vacancy, &batch[2..]).await.unwrap();
    assert_eq!(scores[0].candidate, "c-best");
    assert_eq!(scores[1].score, 0.0);
    let broken = WasmMatcher::new(
        engine.clone(),
        prepared(&engine, "skills_matcher"),
        context(
            "werkweb",
            "skills-matcher",
            &[
                ("weight_skills", "0"),
                ("weight_hours", "0"),
                ("weight_region", "0"),
            ],
        ),
    )
    .unwrap();
    assert!(
        matches!(rank(&broken, &vacancy, &batch).await, Err(PluginError::Reported(m)) if m.contains("weights"))
    );
}

/// One request the stand-in provider received: what, the JSON body, the authorization header.
type Request = (String, serde_json::Value, Option<String>);

/// What the stand-in provider received.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Request>>>);

async fn provider() -> (String, Received) {
    let received = Received::default();
    async fn placement(
        State(r): State<Received>,
        headers: HeaderMap,
        Json(body): Json<serde_json::Value>,
    ) -> (StatusCode, Json<serde_json::Value>) {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        r.0.lock().unwrap().push(("placement".into(), body, auth));
        (
            StatusCode::CREATED,
            Json(serde_json::json!({ "id": "P-1001" })),
        )
    }
    async fn member(
        State(r): State<Received>,
        Path(list): Path<String>,
        Json(body): Json<serde_json::Value>,
    ) -> Json<serde_json::Value> {
        r.0.lock()
            .unwrap()
            .push((format!("subscribe:{list}"), body, None));
        Json(serde_json::json!({ "id": "M-7" }))
    }
    async fn unsubscribe(
        State(r): State<Received>,
        Path((list, email)): Path<(String, String)>,
    ) -> StatusCode {
        r.0.lock().unwrap().push((
            format!("unsubscribe:{list}:{email}"),
            serde_json::Value::Null,
            None,
        ));
        if email == "gone@example.nl" {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::NO_CONTENT
        }
    }
    let app = Router::new()
        .route("/v1/placements", post(placement))
        .route("/lists/{list}/members", post(member))
        .route("/lists/{list}/members/{email}", delete(unsubscribe))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://127.0.0.1:{}", addr.port()), received)
}

/// A connector acting for a register entry whose endpoint is the stand-in provider (as the
/// runtime builds it: `base_url` is the entry's first endpoint).
fn connector_context(plugin: &str, base: &str, extra: &[(&str, &str)]) -> PluginContext {
    let mut ctx = context("werkweb", plugin, &[("base_url", base)]);
    ctx.settings
        .extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    ctx.secrets.insert("api_key".into(), "geheim-123".into());
    ctx.endpoints = vec![base.to_string()];
    ctx
}

/// The stand-in provider listens on 127.0.0.1 over plain http: a named test host.
fn test_host_limits() -> Limits {
    Limits {
        test_hosts: vec!["127.0.0.1".into()],
        ..Limits::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plg_2_payroll_connector_posts_a_placement_to_the_provider() {
    let (base, received) = provider().await;
    let engine = engine(test_host_limits());
    let payroll = WasmProcessor::new(
        engine.clone(),
        prepared(&engine, "payroll_connector"),
        connector_context("payroll-connector", &format!("{base}/v1"), &[]),
    )
    .unwrap();
    let placement = Placement {
        candidate_ref: "cand-42".into(),
        first_name: "Jan".into(),
        last_name: "Jansen".into(),
        email: "jan@example.nl".into(),
        phone: None,
        birth_date: "1960-04-01".into(),
        bsn: "111222333".into(),
        id_document_number: "NX1234567".into(),
        iban: "NL91ABNA0417164300".into(),
        client_name: "Bakkerij De Korrel".into(),
        position: "Bakker".into(),
        start_date: "2026-12-01".into(),
        hours_per_week: 24,
        hourly_wage_cents: 1650,
    };
    assert_eq!(payroll.place_worker(&placement).await.unwrap(), "P-1001");
    let got = received.0.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let (_, body, auth) = &got[0];
    assert_eq!(body["employee"]["bsn"], "111222333");
    assert_eq!(body["external_ref"], "cand-42");
    assert_eq!(auth.as_deref(), Some("Bearer geheim-123"));
    // The special data never reached the plugin log.
    assert!(
        payroll
            .log()
            .iter()
            .all(|l| !l.message.contains("111222333"))
    );
    // Without the endpoint in its register entry, nothing leaves.
    let mut locked = connector_context("payroll-connector", &format!("{base}/v1"), &[]);
    locked.endpoints.clear();
    let refused = WasmProcessor::new(
        engine.clone(),
        prepared(&engine, "payroll_connector"),
        locked,
    )
    .unwrap();
    assert!(
        matches!(refused.place_worker(&placement).await, Err(PluginError::Reported(m)) if m.contains("not among the endpoints"))
    );
    assert_eq!(received.0.lock().unwrap().len(), 1);
    // A processor that does not handle an event says so.
    assert!(matches!(
        payroll
            .subscribe(&Subscriber {
                email: "a@b.nl".into(),
                first_name: None,
                last_name: None,
                company: None,
                source: "x".into()
            })
            .await,
        Err(PluginError::Reported(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plg_2_newsletter_connector_keeps_the_list_in_sync() {
    let (base, received) = provider().await;
    let engine = engine(test_host_limits());
    let newsletter = WasmProcessor::new(
        engine.clone(),
        prepared(&engine, "newsletter_connector"),
        connector_context("newsletter-connector", &base, &[("list_id", "nieuws")]),
    )
    .unwrap();
    let reference = newsletter
        .subscribe(&Subscriber {
            email: "Piet@Example.nl".into(),
            first_name: Some("Piet".into()),
            last_name: None,
            company: Some("Piet BV".into()),
            source: "footer-form".into(),
        })
        .await
        .unwrap();
    assert_eq!(reference, "M-7");
    assert_eq!(
        newsletter.unsubscribe("piet@example.nl").await.unwrap(),
        "unsubscribe"
    );
    assert_eq!(
        newsletter.unsubscribe("gone@example.nl").await.unwrap(),
        "not subscribed"
    );
    let got = received.0.lock().unwrap().clone();
    assert_eq!(got[0].0, "subscribe:nieuws");
    assert_eq!(got[0].1["email"], "piet@example.nl");
    assert_eq!(got[0].1["opt_in_source"], "footer-form");
    assert_eq!(got[1].0, "unsubscribe:nieuws:piet@example.nl");
}

#[tokio::test]
async fn plg_1_the_examples_are_built_for_the_current_interface() {
    let engine = engine(Limits::default());
    for name in [
        "skills_matcher",
        "empty_matcher",
        "payroll_connector",
        "newsletter_connector",
    ] {
        let artefact = engine.install(&support::wasm(name)).unwrap();
        assert_eq!(artefact.interface_version, "0.2.0", "{name}");
    }
}

#[tokio::test]
async fn plg_1_a_matcher_built_for_interface_0_1_0_still_ranks() {
    let engine = engine(Limits::default());
    let artefact = engine.install(&support::wasm("v0_1_matcher")).unwrap();
    assert_eq!(artefact.interface_version, "0.1.0");
    let matcher = WasmMatcher::new(
        engine.clone(),
        prepared(&engine, "v0_1_matcher"),
        context("werkweb", "v0-1-matcher", &[]),
    )
    .unwrap();
    let batch = vec![
        candidate("c-none", &[7], "Utrecht", 32),
        candidate("c-half", &[1, 9], "Utrecht", 32),
        candidate("c-all", &[2, 1], "Utrecht", 32),
    ];
    let scores = rank(&matcher, &vacancy(), &batch).await.unwrap();
    let ranked: Vec<(&str, f32, &str)> = scores
        .iter()
        .map(|s| (s.candidate.as_str(), s.score, s.explanation.as_str()))
        .collect();
    // The candidate the plugin left out is ranked last with no score and no explanation.
    assert_eq!(
        ranked,
        [
            ("c-all", 1.0, "2 of 2 skills"),
            ("c-half", 0.5, "1 of 2 skills"),
            ("c-none", 0.0, "")
        ]
    );
    assert_eq!(matcher.log()[0].message, "ranking with interface 0.1.0");
}

#[tokio::test]
async fn plg_1_a_processor_built_for_interface_0_1_0_still_runs() {
    let engine = engine(Limits::default());
    let processor = WasmProcessor::new(
        engine.clone(),
        prepared(&engine, "v0_1_processor"),
        context("werkweb", "v0-1-processor", &[("list", "vacatures")]),
    )
    .unwrap();
    let reference = processor
        .subscribe(&Subscriber {
            email: "lezer@example.nl".into(),
            first_name: None,
            last_name: None,
            company: None,
            source: "website".into(),
        })
        .await
        .unwrap();
    assert_eq!(reference, "vacatures:lezer@example.nl");
    assert_eq!(
        processor.export_person("p1", "lezer@example.nl").await,
        Err(PluginError::Reported("nothing to export".into()))
    );
}

/// The batch's columns as core writes them are the candidates as the SDK reads them inside the
/// plugin: every feature of every candidate arrives as sent, whatever lists are empty or long.
#[tokio::test]
async fn plg_1_every_candidate_arrives_in_the_plugin_as_sent() {
    let engine = engine(Limits::default());
    let echo = WasmMatcher::new(
        engine.clone(),
        prepared(&engine, "hostile_matcher"),
        context("werkweb", "hostile-matcher", &[("behaviour", "echo")]),
    )
    .unwrap();
    // A deterministic spread of candidates: empty and long lists, unknown regions and hours,
    // words in odd case and spacing (the host compares them without either).
    let mut seed: u64 = 0x5eed;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let regions = ["Utrecht", " utrecht", "AMSTERDAM", "Zeeland "];
    let languages = ["nl", "EN", "de ", "fr"];
    let candidates: Vec<CandidateFeatures> = (0..500)
        .map(|i| CandidateFeatures {
            id: format!("c{i}"),
            skills: (0..next(12)).map(|_| next(1000) as u32).collect(),
            region: (next(4) > 0).then(|| regions[next(4) as usize].to_string()),
            hours_per_week: (next(3) > 0).then(|| next(41) as u32),
            years_experience: next(40) as u32,
            languages: (0..next(4))
                .map(|_| languages[next(4) as usize].to_string())
                .collect(),
            driving_licences: (0..next(3))
                .map(|k| ["B", "C", "BE"][k as usize].to_string())
                .collect(),
        })
        .collect();
    let batch = MatchBatch::from_candidates(&vacancy(), &candidates);
    let ranking = echo.rank(&batch).await.unwrap();
    let normal = |w: &String| w.trim().to_lowercase();
    for (i, c) in candidates.iter().enumerate() {
        let expected = format!(
            "skills={};region={};hours={};years={};languages={};licences={}",
            c.skills
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(","),
            c.region.as_ref().map_or("-".into(), normal),
            c.hours_per_week.map_or("-".into(), |h| h.to_string()),
            c.years_experience,
            c.languages.iter().map(normal).collect::<Vec<_>>().join(","),
            c.driving_licences
                .iter()
                .map(normal)
                .collect::<Vec<_>>()
                .join(","),
        );
        assert_eq!(
            ranking.get(i).unwrap().explanation,
            expected,
            "candidate {i}"
        );
    }
    let order: Vec<usize> = ranking.iter().map(|r| r.position).collect();
    assert_eq!(order, (0..500).collect::<Vec<_>>(), "best first");
}
