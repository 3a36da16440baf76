//! A real browser: Debian's `chromium` driven through `chromedriver` (WebDriver) by fantoccini.
//! Each `Browser` has its own chromedriver on a free port and its own profile, and takes a
//! screenshot into its temp dir when a step fails.
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

pub struct Browser {
    pub client: Client,
    driver: Child,
    pub dir: tempfile::TempDir,
}

fn find(binary: &str) -> Option<PathBuf> {
    ["/usr/bin", "/usr/local/bin", "/usr/lib/chromium"]
        .iter()
        .map(|d| PathBuf::from(d).join(binary))
        .find(|p| p.exists())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// A fresh headless browser, or `None` (after [`crate::skip`] said so) when chromium is not
    /// installed; under CI that fails the test instead.
    pub async fn start() -> Option<Browser> {
        let (Some(chromium), Some(driver_bin)) = (find("chromium"), find("chromedriver")) else {
            crate::skip(
                "the browser test",
                "chromium and chromedriver are not installed (Debian: chromium, chromium-driver)",
            );
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("etalage-browser-")
            .tempdir()
            .unwrap();
        let port = free_port();
        let driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let webdriver = format!("http://127.0.0.1:{port}");
        crate::wait_until("chromedriver to listen", || async {
            std::net::TcpStream::connect(("127.0.0.1", port))
                .is_ok()
                .then_some(())
        })
        .await;
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                    format!("--user-data-dir={}", dir.path().join("profile").display()),
                ],
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&webdriver)
            .await
            .expect("a WebDriver session");
        Some(Browser {
            client,
            driver,
            dir,
        })
    }

    /// Saves a screenshot and prints where, for a failing step.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join(format!("{name}.png"));
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(&path, png);
        }
        eprintln!("screenshot: {}", path.display());
        path
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let field = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    /// Chooses `path` in a file input (the browser reads the file from this machine).
    pub async fn attach(&self, css: &str, path: &std::path::Path) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .send_keys(&path.display().to_string())
            .await
            .unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// What `fetch(path)` from the current page answers: status and content type (the page's
    /// cookies go with it, as a click on a download link would send them).
    pub async fn fetch(&self, path: &str) -> (u16, String) {
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\n\
                 fetch(arguments[0], { credentials: 'same-origin' })\n\
                   .then(r => done([r.status, r.headers.get('content-type') || '']))\n\
                   .catch(e => done([0, String(e)]));",
                vec![serde_json::Value::String(path.to_string())],
            )
            .await
            .unwrap_or_else(|e| panic!("fetch {path}: {e}"));
        (
            result[0].as_u64().unwrap_or(0) as u16,
            result[1].as_str().unwrap_or_default().to_string(),
        )
    }

    /// Waits for an element (the page after a click may still be loading).
    pub async fn wait_for(&self, css: &str) -> String {
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(e) => {
                self.screenshot("wait-failed").await;
                panic!("{css} did not appear: {e}");
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
