//! Dutch and English text of the pages. Label content (names, statements) is the label's own;
//! these are the platform's words. A key missing in one language is a test failure, not a blank.
use std::collections::BTreeMap;
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Nl,
    En,
}

impl Lang {
    pub fn parse(raw: &str) -> Option<Lang> {
        match raw.trim().to_ascii_lowercase().get(..2) {
            Some("nl") => Some(Lang::Nl),
            Some("en") => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }
}

/// (key, Dutch, English)
const MESSAGES: &[(&str, &str, &str)] = &[
    ("skip_to_content", "Naar de inhoud", "Skip to content"),
    ("nav_home", "Home", "Home"),
    ("nav_privacy", "Privacy", "Privacy"),
    ("nav_login", "Inloggen", "Log in"),
    ("nav_logout", "Uitloggen", "Log out"),
    ("nav_admin", "Beheer", "Admin"),
    ("switch_lang", "English", "Nederlands"),
    (
        "footer_controller",
        "Verwerkingsverantwoordelijke",
        "Data controller",
    ),
    ("footer_coc", "KvK", "Chamber of Commerce"),
    ("footer_contact", "Contact", "Contact"),
    (
        "home_candidates_title",
        "Voor werkzoekenden",
        "For job seekers",
    ),
    (
        "home_candidates_text",
        "Schrijf je in, houd je profiel zelf bij en word gevonden voor vacatures die passen. Je bepaalt zelf wat je deelt.",
        "Sign up, keep your own profile up to date and be found for vacancies that fit. You decide what you share.",
    ),
    ("home_employers_title", "Voor werkgevers", "For employers"),
    (
        "home_employers_text",
        "Vind talent dat past, in de functie én in de bedrijfscultuur, via onze recruiters en de anonieme Talenten Etalage.",
        "Find talent that fits the job and the culture, through our recruiters and the anonymous talent showcase.",
    ),
    ("home_privacy_title", "Jouw gegevens", "Your data"),
    (
        "home_privacy_text",
        "Lees hoe wij met je gegevens omgaan en welke rechten je hebt.",
        "Read how we handle your data and which rights you have.",
    ),
    (
        "home_privacy_link",
        "Lees de privacyverklaring",
        "Read the privacy statement",
    ),
    ("privacy_title", "Privacyverklaring", "Privacy statement"),
    ("privacy_version", "Versie", "Version"),
    ("privacy_published", "gepubliceerd op", "published on"),
    ("privacy_current", "huidige versie", "current version"),
    ("privacy_versions", "Alle versies", "All versions"),
    (
        "privacy_old_notice",
        "Dit is een eerdere versie. De geldende versie is",
        "This is an earlier version. The version in force is",
    ),
    (
        "privacy_dutch_only",
        "Deze verklaring is alleen in het Nederlands beschikbaar.",
        "This statement is available in Dutch only.",
    ),
    ("login_title", "Inloggen", "Log in"),
    ("email", "E-mailadres", "E-mail address"),
    ("password", "Wachtwoord", "Password"),
    ("password_repeat", "Herhaal wachtwoord", "Repeat password"),
    (
        "password_hint",
        "Minstens 12 tekens. Een zin van een paar woorden is sterk en makkelijk te onthouden.",
        "At least 12 characters. A sentence of a few words is strong and easy to remember.",
    ),
    ("display_name", "Naam", "Name"),
    ("login_submit", "Inloggen", "Log in"),
    (
        "login_failed",
        "Dat e-mailadres en wachtwoord horen niet bij elkaar.",
        "That e-mail address and password do not match.",
    ),
    (
        "login_throttled",
        "Te veel mislukte pogingen. Probeer het over {secs} seconden opnieuw.",
        "Too many failed attempts. Try again in {secs} seconds.",
    ),
    (
        "login_unlock_hint",
        "Log in met je wachtwoord; deze link werkt één keer.",
        "Log in with your password; this link works once.",
    ),
    (
        "login_unlock_expired",
        "Deze link is verlopen of al gebruikt.",
        "This link has expired or has been used already.",
    ),
    (
        "login_disabled",
        "Dit account is uitgeschakeld. Neem contact op met de beheerder.",
        "This account has been disabled. Please contact the administrator.",
    ),
    ("nav_account", "Mijn account", "My account"),
    ("account_title", "Mijn account", "My account"),
    (
        "account_password_title",
        "Wachtwoord wijzigen",
        "Change password",
    ),
    ("current_password", "Huidig wachtwoord", "Current password"),
    ("new_password", "Nieuw wachtwoord", "New password"),
    (
        "account_password_changed",
        "Je wachtwoord is gewijzigd; je andere sessies zijn beëindigd.",
        "Your password has been changed; your other sessions have ended.",
    ),
    (
        "account_sessions_title",
        "Actieve sessies",
        "Active sessions",
    ),
    ("session_created", "Ingelogd", "Logged in"),
    ("session_last_seen", "Laatst gebruikt", "Last used"),
    ("session_client", "Apparaat", "Device"),
    ("session_current", "Deze sessie", "This session"),
    ("session_end", "Beëindigen", "End"),
    (
        "notice_session_ended",
        "De sessie is beëindigd.",
        "The session has ended.",
    ),
    (
        "forgot_password",
        "Wachtwoord vergeten?",
        "Forgot your password?",
    ),
    (
        "reset_title",
        "Nieuw wachtwoord aanvragen",
        "Reset your password",
    ),
    (
        "reset_intro",
        "Vul je e-mailadres in. Als er een account bij hoort, sturen we je een link om een nieuw wachtwoord te kiezen.",
        "Enter your e-mail address. If it belongs to an account, we send you a link to choose a new password.",
    ),
    ("reset_submit", "Stuur de link", "Send the link"),
    ("reset_sent_title", "Kijk in je mailbox", "Check your inbox"),
    (
        "reset_sent_text",
        "Als dit adres bij een account hoort, is er nu een link onderweg. De link is een uur geldig.",
        "If this address belongs to an account, a link is on its way. It is valid for one hour.",
    ),
    (
        "reset_choose_title",
        "Kies een nieuw wachtwoord",
        "Choose a new password",
    ),
    ("reset_choose_submit", "Wachtwoord opslaan", "Save password"),
    (
        "reset_invalid",
        "Deze link is verlopen of al gebruikt. Vraag een nieuwe aan.",
        "This link has expired or has been used. Ask for a new one.",
    ),
    (
        "notice_password_changed",
        "Je wachtwoord is gewijzigd. Log in met je nieuwe wachtwoord.",
        "Your password has been changed. Log in with your new password.",
    ),
    (
        "notice_logged_out",
        "Je bent uitgelogd.",
        "You have logged out.",
    ),
    ("notice_saved", "Opgeslagen.", "Saved."),
    (
        "passwords_differ",
        "De wachtwoorden zijn niet gelijk.",
        "The passwords are not the same.",
    ),
    ("setup_title", "Eerste beheerder", "First administrator"),
    (
        "setup_intro",
        "Dit platform heeft nog geen beheerder. Kies je e-mailadres en wachtwoord; deze link werkt één keer.",
        "This platform has no administrator yet. Choose your e-mail address and password; this link works once.",
    ),
    ("setup_submit", "Account aanmaken", "Create account"),
    (
        "setup_invalid",
        "Deze link is verlopen of al gebruikt. Herstart de server voor een nieuwe link.",
        "This link has expired or has been used. Restart the server for a new one.",
    ),
    ("admin_title", "Beheer", "Administration"),
    ("admin_labels", "Labels", "Labels"),
    ("admin_people", "Mensen en rollen", "People and roles"),
    ("admin_roles", "Rechten per rol", "Permissions per role"),
    (
        "roles_intro",
        "Wat elke rol mag, in elk label. Een wijziging geldt direct voor iedereen met die rol en wordt vastgelegd in het auditlog. De rol platform-admin heeft altijd alle rechten.",
        "What each role may do, in every label. A change applies at once to everyone holding the role and is recorded in the audit log. The platform-admin role always holds every permission.",
    ),
    ("admin_plugins", "Plugins", "Plugins"),
    (
        "admin_processors",
        "Verwerkersregister",
        "Processors register",
    ),
    ("plugins_version", "Versie", "Version"),
    ("plugins_kind", "Soort", "Kind"),
    ("plugins_interface", "Interface", "Interface"),
    ("plugins_log", "Log van de plugins", "Plugin log"),
    ("plugin_one", "Plugin", "Plugin"),
    ("plugins_log_level", "Niveau", "Level"),
    ("plugins_log_message", "Bericht", "Message"),
    ("disclosure_outcome", "Uitkomst", "Outcome"),
    (
        "plugins_log_intro",
        "De nieuwste regels die de plugins van dit label schreven, op deze server.",
        "The newest lines this label's plugins wrote, on this server.",
    ),
    ("plugins_size", "Grootte", "Size"),
    (
        "plugins_file",
        "WebAssembly-component (.wasm)",
        "WebAssembly component (.wasm)",
    ),
    ("plugins_install", "Plugin installeren", "Install a plugin"),
    (
        "plugins_install_intro",
        "Een component voor de wereld matcher of processor van etalage:plugin@0.2.0 (of het oudere 0.1.0). Hij wordt gecontroleerd en vooraf vertaald; een ongeldige upload laat niets achter.",
        "A component of the matcher or processor world of etalage:plugin@0.2.0 (or the older 0.1.0). It is checked and precompiled; an invalid upload leaves nothing behind.",
    ),
    ("plugins_install_submit", "Installeren", "Install"),
    ("plugins_secrets", "Geheimen", "Secrets"),
    (
        "processors_endpoints",
        "Adressen (https, één per regel)",
        "Endpoints (https, one per line)",
    ),
    ("plugins_disable", "Uitschakelen", "Disable"),
    (
        "plugins_enable",
        "Plugin inschakelen of instellen",
        "Enable or configure a plugin",
    ),
    (
        "plugins_enable_intro",
        "Instellingen en geheimen als regels sleutel = waarde. Geheimen worden versleuteld bewaard en nooit teruggetoond; laat een geheim leeg om het te houden. Een processor-plugin hoort bij een verwerker uit het register en bereikt alleen diens adressen.",
        "Settings and secrets as key = value lines. Secrets are stored encrypted and never shown back; leave a secret empty to keep it. A processor plugin belongs to a processor in the register and reaches only its endpoints.",
    ),
    (
        "processors_intro",
        "Persoonsgegevens verlaten het platform alleen via een verwerker uit dit register (AVG art. 28).",
        "Personal data leaves the platform only through a processor in this register (GDPR art. 28).",
    ),
    ("processors_purpose", "Doel", "Purpose"),
    (
        "processors_categories",
        "Gegevenscategorieën",
        "Data categories",
    ),
    (
        "processors_agreement",
        "Verwerkersovereenkomst",
        "Processing agreement",
    ),
    ("processors_add", "Verwerker toevoegen", "Add a processor"),
    (
        "processors_for",
        "Verwerker (voor processor-plugins)",
        "Processor (for processor plugins)",
    ),
    ("disclosures", "Verstrekkingen", "Disclosures"),
    (
        "label_roles_intro",
        "Wat elke rol in dit label mag. Je kunt rechten uitzetten voor rollen onder de jouwe, binnen wat het platform toestaat; uitbreiden kan alleen een platformbeheerder. Wijzigingen gelden direct en komen in het auditlog.",
        "What each role may do in this label. You can switch permissions off for roles below yours, within what the platform allows; only a platform admin can widen them. Changes apply at once and are audited.",
    ),
    ("people_invite", "Iemand uitnodigen", "Invite someone"),
    (
        "people_invite_intro",
        "De uitgenodigde krijgt een e-mail met een link om een wachtwoord te kiezen en heeft de rol direct.",
        "The invitee gets an e-mail with a link to choose a password and holds the role at once.",
    ),
    ("people_invite_submit", "Uitnodigen", "Invite"),
    ("people_role", "Rol", "Role"),
    ("people_grant", "Rol geven", "Grant role"),
    ("people_revoke", "Intrekken", "Revoke"),
    (
        "people_effective",
        "Wat deze persoon hier mag",
        "What this person may do here",
    ),
    ("admin_audit", "Auditlog", "Audit log"),
    ("admin_jobs", "Taken", "Jobs"),
    ("label_slug", "Code", "Slug"),
    ("label_name", "Naam", "Name"),
    ("label_hostnames", "Adressen", "Hostnames"),
    ("label_statement", "Privacyverklaring", "Privacy statement"),
    ("label_open", "Openen", "Open"),
    ("label_settings", "Instellingen", "Settings"),
    (
        "label_settings_intro",
        "Wijzigingen gelden direct en worden vastgelegd in het auditlog. Laat een veld leeg om de waarde uit het labelbestand te gebruiken.",
        "Changes apply at once and are recorded in the audit log. Leave a field empty to use the value from the label file.",
    ),
    ("label_tagline", "Slogan", "Tagline"),
    ("label_primary", "Hoofdkleur", "Primary colour"),
    ("label_accent", "Accentkleur", "Accent colour"),
    (
        "label_text_on_primary",
        "Tekstkleur op hoofdkleur",
        "Text on primary colour",
    ),
    ("label_file_value", "uit bestand", "from file"),
    ("save", "Opslaan", "Save"),
    (
        "statements",
        "Versies van de privacyverklaring",
        "Privacy statement versions",
    ),
    ("audit_at", "Tijdstip", "When"),
    ("audit_actor", "Door", "By"),
    ("audit_action", "Actie", "Action"),
    ("audit_subject", "Betreft", "Subject"),
    ("audit_label", "Label", "Label"),
    ("audit_system", "systeem", "system"),
    ("older", "Oudere", "Older"),
    ("jobs_queued", "Wachtend", "Queued"),
    ("jobs_running", "Bezig", "Running"),
    ("jobs_done", "Klaar", "Done"),
    ("jobs_failed", "Mislukt", "Failed"),
    ("jobs_kind", "Soort", "Kind"),
    ("jobs_status", "Status", "Status"),
    ("jobs_attempts", "Pogingen", "Attempts"),
    ("jobs_error", "Laatste fout", "Last error"),
    ("accounts_roles", "Rollen", "Roles"),
    ("none_yet", "Nog niets.", "Nothing yet."),
    ("documents_title", "Mijn documenten", "My documents"),
    ("documents_name", "Bestand", "File"),
    ("documents_kind", "Soort", "Kind"),
    ("documents_kind_cv", "cv", "CV"),
    ("documents_kind_photo", "Foto", "Photo"),
    ("documents_size", "Grootte", "Size"),
    ("documents_remove", "Verwijderen", "Remove"),
    ("documents_add", "Document toevoegen", "Add a document"),
    (
        "documents_hint",
        "Een cv als PDF, DOCX, ODT of tekst (hoogstens 10 MiB), een foto als JPEG, PNG of WebP (hoogstens 8 MiB). We bewaren alles versleuteld; van een foto halen we de metadata (zoals de plek waar hij gemaakt is) weg.",
        "A CV as PDF, DOCX, ODT or text (at most 10 MiB), a photo as JPEG, PNG or WebP (at most 8 MiB). Everything is stored encrypted; a photo's metadata (such as where it was taken) is removed.",
    ),
    ("documents_file", "Bestand", "File"),
    ("documents_upload", "Uploaden", "Upload"),
    (
        "documents_added",
        "Het document is toegevoegd.",
        "The document has been added.",
    ),
    (
        "documents_removed",
        "Het document is verwijderd.",
        "The document has been removed.",
    ),
    ("error_title", "Er ging iets mis", "Something went wrong"),
    (
        "error_not_found",
        "Deze pagina bestaat niet.",
        "This page does not exist.",
    ),
    (
        "error_forbidden",
        "Je hebt geen toegang tot deze pagina.",
        "You do not have access to this page.",
    ),
    (
        "error_back_home",
        "Terug naar de homepage",
        "Back to the home page",
    ),
    (
        "error_csrf",
        "Dit formulier is verlopen. Ga terug, laad de pagina opnieuw en probeer het nog eens.",
        "This form has expired. Go back, reload the page and try again.",
    ),
    (
        "error_server",
        "Er ging aan onze kant iets mis. Het is vastgelegd; probeer het later nog eens.",
        "Something went wrong on our side. It has been logged; please try again later.",
    ),
];

/// The messages of one language, for the templates (`{{ t.login_title }}`).
pub fn messages(lang: Lang) -> &'static BTreeMap<&'static str, &'static str> {
    static NL: OnceLock<BTreeMap<&str, &str>> = OnceLock::new();
    static EN: OnceLock<BTreeMap<&str, &str>> = OnceLock::new();
    let cell = match lang {
        Lang::Nl => &NL,
        Lang::En => &EN,
    };
    cell.get_or_init(|| {
        MESSAGES
            .iter()
            .map(|(k, nl, en)| (*k, if lang == Lang::Nl { *nl } else { *en }))
            .collect()
    })
}

pub fn t(lang: Lang, key: &str) -> &'static str {
    messages(lang).get(key).copied().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The upload page tells admins which interface versions they may upload.
    #[test]
    fn plg_1_the_install_hint_names_every_supported_interface_version() {
        let (_, nl, en) = MESSAGES
            .iter()
            .find(|(key, _, _)| *key == "plugins_install_intro")
            .unwrap();
        for version in etalage_plugin_host::SUPPORTED_INTERFACES {
            assert!(nl.contains(version) && en.contains(version), "{version}");
        }
    }

    #[test]
    fn every_message_has_both_languages_and_unique_keys() {
        let mut seen = std::collections::HashSet::new();
        for (key, nl, en) in MESSAGES {
            assert!(seen.insert(key), "duplicate key {key}");
            assert!(
                !nl.is_empty() && !en.is_empty(),
                "{key} lacks a translation"
            );
        }
    }

    #[test]
    fn parses_accept_language_style_codes() {
        assert_eq!(Lang::parse("en-GB"), Some(Lang::En));
        assert_eq!(Lang::parse("NL"), Some(Lang::Nl));
        assert_eq!(Lang::parse("de"), None);
    }
}
