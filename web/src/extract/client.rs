use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use etalage_core::accounts::ClientAddr;

use crate::state::AppState;

/// The client's address: the peer, or — behind `trusted_proxy_hops` proxies of ours that each
/// append the address they saw to `X-Forwarded-For` — the entry that many places from the
/// right. The entries further left were written by the client and prove nothing; taking them
/// would let every request pick its own throttle bucket.
#[derive(Clone, Debug)]
pub struct ClientIp(pub ClientAddr);

/// The address our first proxy saw, or `None` when the header is missing, malformed or shorter
/// than the proxy chain (then the request did not come through it).
fn forwarded_client(headers: &HeaderMap, hops: usize) -> Option<IpAddr> {
    if hops == 0 {
        return None;
    }
    // Several header lines are one list, in order.
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let index = entries.len().checked_sub(hops)?;
    entries.get(index)?.parse::<IpAddr>().ok()
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.config.trust_forwarded_for
            && let Some(ip) = forwarded_client(&parts.headers, state.config.trusted_proxy_hops)
        {
            return Ok(ClientIp(ClientAddr(Some(ip))));
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(ClientIp(ClientAddr(peer)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn sec_the_client_cannot_choose_its_forwarded_address() {
        // One proxy: it appended the real peer last; what the client wrote before is ignored.
        let forged = xff(&["6.6.6.6, 203.0.113.7"]);
        assert_eq!(forwarded_client(&forged, 1), "203.0.113.7".parse().ok());
        let other_forgery = xff(&["1.1.1.1", "203.0.113.7"]);
        assert_eq!(
            forwarded_client(&other_forgery, 1),
            "203.0.113.7".parse().ok()
        );
        // Two proxies: the second appended the first one's address.
        let chain = xff(&["6.6.6.6, 203.0.113.7, 10.0.0.2"]);
        assert_eq!(forwarded_client(&chain, 2), "203.0.113.7".parse().ok());
        // Shorter than the chain, or garbage where the proxy wrote: not believed.
        assert_eq!(forwarded_client(&xff(&["203.0.113.7"]), 2), None);
        assert_eq!(forwarded_client(&xff(&["6.6.6.6, nonsense"]), 1), None);
        assert_eq!(forwarded_client(&HeaderMap::new(), 1), None);
    }
}
