//! The `etalage` binary itself: `labels check` messages, `admin create`, SIGTERM, kill -9.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn etalage() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_etalage"));
    // The test's environment must not configure the server under test.
    for (key, _) in std::env::vars() {
        if key.starts_with("ETALAGE_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("RUST_LOG", "warn");
    cmd
}

fn labels_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tenants/labels")
}

#[test]
fn ten_3_labels_check_accepts_the_shipped_labels() {
    let out = etalage()
        .args(["labels", "check", "--dir"])
        .arg(labels_dir())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for slug in [
        "winwinwerkt",
        "vacature-service-mkb",
        "65plus-werkt",
        "werkweb",
        "onbekend-talent",
    ] {
        assert!(stdout.contains(slug), "{slug} in {stdout}");
    }
}

fn copy_labels(to: &Path) {
    for entry in walk(&labels_dir()) {
        let rel = entry.strip_prefix(labels_dir()).unwrap();
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&entry, dest).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn ten_3_labels_check_names_file_and_line_of_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    copy_labels(dir.path());
    let file = dir.path().join("werkweb.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let broken = text
        .replacen("primary_color = \"#", "primary_color = \"#zz", 1)
        .replacen("current_version = \"1.3\"", "current_version = \"2.0\"", 1)
        + "\nunknown_key = true\n";
    std::fs::write(&file, &broken).unwrap();
    let out = etalage()
        .args(["labels", "check", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    // An unknown key stops parsing of that file: reported with its line.
    let unknown_line = broken
        .lines()
        .position(|l| l.starts_with("unknown_key"))
        .unwrap()
        + 1;
    assert!(
        stderr.contains(&format!("werkweb.toml:{unknown_line}:")),
        "{stderr}"
    );
    assert!(stderr.contains("unknown field"), "{stderr}");

    // Without the unknown key, the value errors are all reported, each with its line.
    let without_unknown = broken.replace("\nunknown_key = true\n", "\n");
    std::fs::write(&file, &without_unknown).unwrap();
    let out = etalage()
        .args(["labels", "check", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let colour_line = without_unknown
        .lines()
        .position(|l| l.contains("#zz"))
        .unwrap()
        + 1;
    let version_line = without_unknown
        .lines()
        .position(|l| l.contains("current_version"))
        .unwrap()
        + 1;
    assert!(
        stderr.contains(&format!(
            "werkweb.toml:{colour_line}: branding.primary_color"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "werkweb.toml:{version_line}: privacy.current_version 2.0"
        )),
        "{stderr}"
    );
    assert!(!out.status.success());
}

/// A server process on a free port with its own data folder; killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(data: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = etalage()
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--labels-dir",
            ])
            .arg(labels_dir())
            .arg("--data-dir")
            .arg(data)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        // The banner is printed once the server listens.
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        // Reading blocks until the next line, so this waits on the banner itself; a server that
        // exits without printing it ends the stream and fails here.
        loop {
            match lines.next() {
                Some(Ok(line)) if line.contains("Etalage is running") => break,
                Some(_) => continue,
                None => panic!("the server exited before it was ready"),
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Server { child, port }
    }

    fn get(&self, path: &str) -> u16 {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        use std::io::{Read, Write};
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        response
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    fn signal(&self, signal: &str) {
        Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn serve_answers_and_stops_cleanly_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Server::start(data.path());
    assert_eq!(server.get("/healthz"), 200);
    assert_eq!(server.get("/l/werkweb/"), 200);
    assert!(data.path().join("etalage.db").exists());
    assert!(data.path().join("outbox").is_dir());
    assert!(data.path().join("index").is_dir());
    server.signal("-TERM");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still running 20 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn admin_create_then_a_killed_server_keeps_acknowledged_writes() {
    let data = tempfile::tempdir().unwrap();
    let out = etalage()
        .args([
            "admin",
            "create",
            "--email",
            "beheer@winwinwerkt.nl",
            "--data-dir",
        ])
        .arg(data.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("password (shown once): "));
    let duplicate = etalage()
        .args([
            "admin",
            "create",
            "--email",
            "BEHEER@winwinwerkt.nl",
            "--data-dir",
        ])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(!duplicate.status.success());
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("exists"));

    // kill -9 a running server; the account created before is still there after.
    let server = Server::start(data.path());
    assert_eq!(server.get("/healthz"), 200);
    server.signal("-KILL");
    drop(server);
    let again = etalage()
        .args([
            "admin",
            "create",
            "--email",
            "beheer@winwinwerkt.nl",
            "--data-dir",
        ])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));
}

#[test]
fn bad_configuration_is_a_clear_error() {
    let out = etalage()
        .args(["migrate", "--database-url", "mysql://nope"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("database_url"));
    let out = etalage()
        .env("ETALAGE_HTTP__REQUEST_TIMEOUT_SECS", "soon")
        .args(["migrate"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(stderr.contains("request_timeout_secs"), "{stderr}");
}

#[test]
fn plg_3_plugins_check_refuses_what_is_not_a_component() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.wasm");
    std::fs::write(&file, b"\0asm\x01\0\0\0").unwrap();
    let out = etalage()
        .args(["plugins", "check"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not an Etalage plugin") || stderr.contains("not a WebAssembly component"),
        "{stderr}"
    );
    let missing = etalage()
        .args(["plugins", "check", "/no/such/file.wasm"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
}
