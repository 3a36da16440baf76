//! A crash mid-write loses no acknowledged data: the server runs as a process of its own, takes
//! writes from several clients at once, and is killed with SIGKILL in the middle of them. After
//! a restart every write it acknowledged is there, whole — each with its audit entry, since the
//! two are one transaction.
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use etalage_core::store::entities::{audit_event, processor};
use etalage_tests::{
    ADMIN_EMAIL, ADMIN_PASSWORD, Storage, TestApp, client_on, labels_dir, storage_test, url_on,
};
use reqwest::StatusCode;
use sea_orm::EntityTrait;

const HOST: &str = "werkweb.localhost";

/// The real `etalage serve` as a child process.
struct ServerProcess {
    child: Child,
    port: u16,
}

impl ServerProcess {
    fn start(storage: &Storage) -> ServerProcess {
        let config = storage.config();
        let mut command = Command::new(env!("CARGO_BIN_EXE_etalage-under-test"));
        command
            .arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(&config.data_dir)
            .arg("--labels-dir")
            .arg(labels_dir())
            .env("ETALAGE_LOG_FORMAT", "json")
            // As `Storage::config`: the admin logs in with a password alone.
            .env("ETALAGE_SECURITY__REQUIRE_TWO_FACTOR", "[]")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(pg) = &storage.pg {
            command.arg("--database-url").arg(&pg.url);
        }
        let mut child = command.spawn().expect("the server starts");
        // The banner names the port it listens on.
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let port = lines.by_ref().map_while(Result::ok).find_map(|line| {
            let rest = line.split("http://127.0.0.1:").nth(1)?;
            rest.split('/').next()?.parse::<u16>().ok()
        });
        // Keep reading what it prints (its log), or it would die writing to a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        ServerProcess {
            child,
            port: port.expect("the server prints where it listens"),
        }
    }

    /// SIGKILL: no draining, no flushing, no destructors.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

storage_test!(
    a_kill_9_under_write_load_loses_no_acknowledged_write,
    |app: TestApp| async move {
        app.create_admin().await;
        let storage = app.stop().await;
        let mut server = ServerProcess::start(&storage);
        let client = client_on(server.port);
        let login = client
            .post(url_on(server.port, HOST, "/api/v1/session"))
            .json(&serde_json::json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), StatusCode::OK);

        // Four clients write register entries as fast as the server takes them.
        let acknowledged: Arc<Mutex<Vec<i64>>> = Arc::default();
        let writers: Vec<_> = (0..4)
            .map(|writer| {
                let (client, acknowledged) = (client.clone(), acknowledged.clone());
                let url = url_on(server.port, HOST, "/api/v1/admin/processors");
                tokio::spawn(async move {
                    for i in 0.. {
                        let sent = client
                            .post(&url)
                            .json(&serde_json::json!({
                                "name": format!("Verwerker {writer}-{i}"),
                                "purpose": "Belasting",
                                "data_categories": ["contact details"],
                                "agreement_reference": format!("VO-{writer}-{i}"),
                            }))
                            .send()
                            .await;
                        // Once the server is gone the connection fails: stop writing.
                        let Ok(response) = sent else { break };
                        assert_eq!(response.status(), StatusCode::CREATED, "under load");
                        let Ok(body) = response.json::<serde_json::Value>().await else {
                            break;
                        };
                        acknowledged
                            .lock()
                            .unwrap()
                            .push(body["id"].as_i64().unwrap());
                    }
                })
            })
            .collect();
        etalage_tests::wait_until("40 acknowledged writes", || async {
            (acknowledged.lock().unwrap().len() >= 40).then_some(())
        })
        .await;
        server.kill();
        for writer in writers {
            writer.await.unwrap();
        }
        let acknowledged = acknowledged.lock().unwrap().clone();

        // Back up on the same storage: everything acknowledged is there, with its audit entry.
        let app = etalage_tests::start(storage, |_| {}).await;
        let stored: Vec<i64> = processor::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        for id in &acknowledged {
            assert!(stored.contains(id), "acknowledged entry {id} is lost");
        }
        let audited: Vec<String> = audit_event::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.action == "processor.register")
            .map(|a| a.subject)
            .collect();
        for id in &stored {
            assert!(
                audited.contains(&format!("processor:{id}")),
                "entry {id} is stored without its audit entry"
            );
        }
        assert_eq!(
            audited.len(),
            stored.len(),
            "an audit entry without its entry"
        );
    }
);
