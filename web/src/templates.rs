//! HTML templates (minijinja), compiled into the binary so it runs from any folder.
use std::sync::Arc;

use minijinja::Environment;

use crate::error::AppError;

const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("../templates/layout.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("privacy.html", include_str!("../templates/privacy.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("account.html", include_str!("../templates/account.html")),
    (
        "two_factor.html",
        include_str!("../templates/two_factor.html"),
    ),
    (
        "login_two_factor.html",
        include_str!("../templates/login_two_factor.html"),
    ),
    (
        "documents.html",
        include_str!("../templates/documents.html"),
    ),
    (
        "reset_request.html",
        include_str!("../templates/reset_request.html"),
    ),
    (
        "reset_sent.html",
        include_str!("../templates/reset_sent.html"),
    ),
    (
        "reset_choose.html",
        include_str!("../templates/reset_choose.html"),
    ),
    ("setup.html", include_str!("../templates/setup.html")),
    ("signup.html", include_str!("../templates/signup.html")),
    (
        "signup_sent.html",
        include_str!("../templates/signup_sent.html"),
    ),
    (
        "verify_email.html",
        include_str!("../templates/verify_email.html"),
    ),
    (
        "login_code.html",
        include_str!("../templates/login_code.html"),
    ),
    ("portal.html", include_str!("../templates/portal.html")),
    (
        "portal_join.html",
        include_str!("../templates/portal_join.html"),
    ),
    (
        "portal_privacy.html",
        include_str!("../templates/portal_privacy.html"),
    ),
    (
        "portal_erased.html",
        include_str!("../templates/portal_erased.html"),
    ),
    (
        "admin_candidates.html",
        include_str!("../templates/admin_candidates.html"),
    ),
    (
        "admin_candidate.html",
        include_str!("../templates/admin_candidate.html"),
    ),
    (
        "admin_candidate_erased.html",
        include_str!("../templates/admin_candidate_erased.html"),
    ),
    ("error.html", include_str!("../templates/error.html")),
    (
        "admin_layout.html",
        include_str!("../templates/admin_layout.html"),
    ),
    (
        "admin_labels.html",
        include_str!("../templates/admin_labels.html"),
    ),
    (
        "admin_label.html",
        include_str!("../templates/admin_label.html"),
    ),
    (
        "admin_audit.html",
        include_str!("../templates/admin_audit.html"),
    ),
    (
        "admin_jobs.html",
        include_str!("../templates/admin_jobs.html"),
    ),
    (
        "admin_people.html",
        include_str!("../templates/admin_people.html"),
    ),
    (
        "admin_person.html",
        include_str!("../templates/admin_person.html"),
    ),
    (
        "admin_plugins.html",
        include_str!("../templates/admin_plugins.html"),
    ),
    (
        "admin_processors.html",
        include_str!("../templates/admin_processors.html"),
    ),
    (
        "admin_label_plugins.html",
        include_str!("../templates/admin_label_plugins.html"),
    ),
    (
        "admin_roles.html",
        include_str!("../templates/admin_roles.html"),
    ),
    (
        "admin_label_roles.html",
        include_str!("../templates/admin_label_roles.html"),
    ),
    (
        "_authority.html",
        include_str!("../templates/_authority.html"),
    ),
    (
        "admin_privacy_requests.html",
        include_str!("../templates/admin_privacy_requests.html"),
    ),
    (
        "admin_privacy_request.html",
        include_str!("../templates/admin_privacy_request.html"),
    ),
    (
        "my_privacy_requests.html",
        include_str!("../templates/my_privacy_requests.html"),
    ),
];

#[derive(Clone)]
pub struct Templates {
    env: Arc<Environment<'static>>,
}

impl Templates {
    pub fn load() -> Result<Self, String> {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| format!("template {name}: {e}"))?;
        }
        Ok(Templates { env: Arc::new(env) })
    }

    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String, AppError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| AppError::Internal(format!("template {name}: {e:#}")))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_parses() {
        assert!(super::Templates::load().is_ok());
    }

    #[test]
    fn every_template_file_is_registered() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().to_string();
            assert!(
                super::TEMPLATES.iter().any(|(n, _)| *n == name),
                "{name} is not in TEMPLATES"
            );
        }
    }
}
