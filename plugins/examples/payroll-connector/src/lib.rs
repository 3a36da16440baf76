//! Sends a temporary-worker placement to the payroll partner (TMP-1): the special data goes
//! straight to the payroll system, and only its reference comes back.
//!
//! `base_url` is the first endpoint of the processors register entry the plugin acts for (the
//! host fills it in; operators cannot set it). Secret: `api_key`.
use etalage_plugin_sdk::{Placement, Processor, config, http, log, register_processor};
use serde_json::json;

struct PayrollConnector;

fn base_url() -> Result<String, String> {
    config::get("base_url")
        .map(|u| u.trim_end_matches('/').to_string())
        .ok_or_else(|| "the processors register entry names no endpoint".into())
}

fn auth() -> Result<String, String> {
    config::secret("api_key")
        .map(|k| format!("Bearer {k}"))
        .ok_or_else(|| "set the api_key secret".into())
}

/// The provider's `id` from a JSON answer, or a readable error for anything else. The error
/// names the status only: the provider's answer may carry the special data it was sent, and
/// operators read these messages.
fn reference(response: http::Response) -> Result<String, String> {
    if !(200..300).contains(&response.status) {
        return Err(format!("payroll provider answered {}", response.status));
    }
    let value: serde_json::Value = serde_json::from_slice(&response.body)
        .map_err(|e| format!("payroll provider sent no JSON: {e}"))?;
    value["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| "payroll provider's answer has no id".into())
}

impl Processor for PayrollConnector {
    fn place_worker(p: Placement) -> Result<String, String> {
        let body = json!({
            "external_ref": p.candidate_ref,
            "employee": {
                "first_name": p.first_name,
                "last_name": p.last_name,
                "email": p.email,
                "phone": p.phone,
                "birth_date": p.birth_date,
                "bsn": p.bsn,
                "id_document_number": p.id_document_number,
                "iban": p.iban,
            },
            "assignment": {
                "client": p.client_name,
                "position": p.position,
                "start_date": p.start_date,
                "hours_per_week": p.hours_per_week,
                "hourly_wage_cents": p.hourly_wage_cents,
            }
        });
        // Never log the special data: only that a placement went out.
        log::info(&format!("sending placement for {}", p.candidate_ref));
        let response = http::post_json(
            &format!("{}/placements", base_url()?),
            &body.to_string(),
            &[("authorization", &auth()?)],
        )?;
        reference(response)
    }

    fn erase_person(person_ref: String, _email: String) -> Result<String, String> {
        let response = http::request(
            "DELETE",
            &format!("{}/employees/{person_ref}", base_url()?),
            &[("authorization", &auth()?)],
        )?;
        if response.status == 404 {
            return Ok(format!("no employee {person_ref}"));
        }
        reference(response)
    }

    fn export_person(person_ref: String, _email: String) -> Result<String, String> {
        let response = http::request(
            "GET",
            &format!("{}/employees/{person_ref}/export", base_url()?),
            &[("authorization", &auth()?)],
        )?;
        reference(response)
    }
}

register_processor!(PayrollConnector);
