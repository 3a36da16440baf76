//! The one place that makes absolute addresses of a label, for links that leave the browser
//! (mail, later share links). They come from the label's configuration and how this server
//! listens, never from a request: `Host`, `X-Forwarded-*` and `Forwarded` are chosen by
//! whoever sends the request, and a reset link on an attacker's host hands them the token.
use crate::Label;

/// How this server builds a label's public address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabelLinks {
    /// `Some` when the server listens on a loopback address: a developer's machine, where the
    /// labels' real hostnames do not reach it.
    loopback: Option<Loopback>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Loopback {
    port: u16,
    path_labels: bool,
}

impl LabelLinks {
    /// A server reached through the labels' own hostnames, over https.
    pub fn public() -> Self {
        LabelLinks { loopback: None }
    }

    /// A server on a loopback address and `port` (the bound one, not the configured `0`);
    /// `path_labels` says whether `/l/{slug}/` reaches a label.
    pub fn loopback(port: u16, path_labels: bool) -> Self {
        LabelLinks {
            loopback: Some(Loopback { port, path_labels }),
        }
    }

    /// The label's address without a trailing `/`: its `public_url`; else, on loopback,
    /// `http://127.0.0.1:PORT/l/{slug}` (or its `*.localhost` name when path labels are off);
    /// else `https://{first hostname}`.
    pub fn base(&self, label: &Label) -> String {
        if let Some(url) = &label.public_url {
            return url.clone();
        }
        let first = label
            .hostnames
            .first()
            .map(String::as_str)
            .unwrap_or("localhost");
        match self.loopback {
            Some(Loopback {
                port,
                path_labels: true,
            }) => format!("http://127.0.0.1:{port}/l/{}", label.slug),
            Some(Loopback {
                port,
                path_labels: false,
            }) => {
                let local = label
                    .hostnames
                    .iter()
                    .find(|h| *h == "localhost" || h.ends_with(".localhost"))
                    .map(String::as_str)
                    .unwrap_or(first);
                format!("http://{local}:{port}")
            }
            None => format!("https://{first}"),
        }
    }

    /// The absolute address of `path` (which starts with `/`) on the label's site.
    pub fn url(&self, label: &Label, path: &str) -> String {
        let path = path.trim_start_matches('/');
        format!("{}/{path}", self.base(label))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(public_url: Option<&str>) -> Label {
        Label {
            public_url: public_url.map(str::to_string),
            ..crate::registry::test_label("werkweb", &["werkweb.net", "werkweb.localhost"])
        }
    }

    #[test]
    fn ten_1_links_come_from_configuration_only() {
        let plain = label(None);
        assert_eq!(
            LabelLinks::public().url(&plain, "/password-reset/t"),
            "https://werkweb.net/password-reset/t"
        );
        assert_eq!(
            LabelLinks::loopback(8080, true).url(&plain, "/login"),
            "http://127.0.0.1:8080/l/werkweb/login"
        );
        assert_eq!(
            LabelLinks::loopback(8080, false).url(&plain, "/login"),
            "http://werkweb.localhost:8080/login"
        );
        let configured = label(Some("https://vacatures.werkweb.net/portal"));
        for links in [LabelLinks::public(), LabelLinks::loopback(8080, true)] {
            assert_eq!(
                links.url(&configured, "/login"),
                "https://vacatures.werkweb.net/portal/login"
            );
        }
    }
}
