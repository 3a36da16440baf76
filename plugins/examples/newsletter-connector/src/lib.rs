//! Keeps the newsletter provider's list in step (WEB-3): subscribe with the opt-in source,
//! unsubscribe, erase.
//!
//! `base_url` is the first endpoint of the processors register entry the plugin acts for (the
//! host fills it in). Settings: `list_id`. Secret: `api_key`.
use etalage_plugin_sdk::{Processor, Subscriber, config, http, register_processor};
use serde_json::json;

struct NewsletterConnector;

fn list_url() -> Result<String, String> {
    let base =
        config::get("base_url").ok_or("the processors register entry names no endpoint")?;
    let list = config::get("list_id").ok_or("set list_id to the mailing list's id")?;
    Ok(format!(
        "{}/lists/{list}/members",
        base.trim_end_matches('/')
    ))
}

fn auth() -> Result<String, String> {
    config::secret("api_key")
        .map(|k| format!("Bearer {k}"))
        .ok_or_else(|| "set the api_key secret".into())
}

fn ok_or_error(response: http::Response, what: &str) -> Result<String, String> {
    if (200..300).contains(&response.status) {
        let value: serde_json::Value = serde_json::from_slice(&response.body).unwrap_or_default();
        Ok(value["id"].as_str().unwrap_or(what).to_string())
    } else {
        Err(format!(
            "newsletter provider answered {} to {what}",
            response.status
        ))
    }
}

/// Providers key members by a lower-case address.
fn member_url(email: &str) -> Result<String, String> {
    Ok(format!("{}/{}", list_url()?, email.trim().to_lowercase()))
}

impl Processor for NewsletterConnector {
    fn subscribe(s: Subscriber) -> Result<String, String> {
        let body = json!({
            "email": s.email.trim().to_lowercase(),
            "first_name": s.first_name,
            "last_name": s.last_name,
            "company": s.company,
            "opt_in_source": s.source,
            "status": "subscribed",
        });
        let response = http::post_json(
            &list_url()?,
            &body.to_string(),
            &[("authorization", &auth()?)],
        )?;
        ok_or_error(response, "subscribe")
    }

    fn unsubscribe(email: String) -> Result<String, String> {
        let response = http::request(
            "DELETE",
            &member_url(&email)?,
            &[("authorization", &auth()?)],
        )?;
        // Unsubscribing always works: an address the provider no longer knows is unsubscribed.
        if response.status == 404 {
            return Ok("not subscribed".into());
        }
        ok_or_error(response, "unsubscribe")
    }

    fn erase_person(_person_ref: String, email: String) -> Result<String, String> {
        Self::unsubscribe(email)
    }
}

register_processor!(NewsletterConnector);
