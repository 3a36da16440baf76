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
        "two_factor_title",
        "Inloggen in twee stappen",
        "Two-factor login",
    ),
    (
        "two_factor_manage",
        "Inloggen in twee stappen instellen",
        "Set up two-factor login",
    ),
    (
        "two_factor_on",
        "Inloggen in twee stappen staat aan.",
        "Two-factor login is on.",
    ),
    (
        "two_factor_off",
        "Inloggen in twee stappen staat uit.",
        "Two-factor login is off.",
    ),
    (
        "two_factor_required",
        "Je rol vereist inloggen in twee stappen. Stel het in om verder te gaan.",
        "Your role requires two-factor login. Set it up to continue.",
    ),
    ("two_factor_start", "Instellen", "Set up"),
    (
        "two_factor_scan",
        "Scan deze code met je authenticator-app, of typ de sleutel over. Vul daarna de code in die de app toont.",
        "Scan this code with your authenticator app, or type in the key. Then enter the code the app shows.",
    ),
    ("two_factor_secret", "Sleutel", "Key"),
    (
        "two_factor_app_code",
        "Code uit je app",
        "Code from your app",
    ),
    (
        "two_factor_code",
        "Code uit je app of herstelcode",
        "Code from your app or recovery code",
    ),
    ("two_factor_confirm", "Bevestigen", "Confirm"),
    (
        "two_factor_enabled",
        "Inloggen in twee stappen staat nu aan.",
        "Two-factor login is now on.",
    ),
    (
        "two_factor_recovery_title",
        "Herstelcodes",
        "Recovery codes",
    ),
    (
        "two_factor_recovery_hint",
        "Bewaar deze codes op een veilige plek: elke code werkt één keer, als je je app kwijt bent. Ze worden niet nog eens getoond.",
        "Keep these codes somewhere safe: each works once, if you lose your app. They are not shown again.",
    ),
    (
        "two_factor_recovery_left",
        "Ongebruikte herstelcodes",
        "Unused recovery codes",
    ),
    (
        "two_factor_regenerate",
        "Nieuwe herstelcodes maken",
        "Make new recovery codes",
    ),
    ("two_factor_disable", "Uitzetten", "Turn off"),
    ("two_factor_login_title", "Tweede stap", "Second step"),
    (
        "two_factor_login_hint",
        "Vul de code uit je authenticator-app in, of een van je herstelcodes.",
        "Enter the code from your authenticator app, or one of your recovery codes.",
    ),
    (
        "two_factor_code_wrong",
        "Deze code klopt niet, of is al gebruikt.",
        "This code is not valid, or was used already.",
    ),
    (
        "two_factor_login_expired",
        "Deze inlogpoging is verlopen; log opnieuw in.",
        "This login has expired; log in again.",
    ),
    (
        "two_factor_reset",
        "Inloggen in twee stappen resetten (beëindigt alle sessies)",
        "Reset two-factor login (ends all sessions)",
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
    ("page_previous", "Vorige", "Previous"),
    ("page_next", "Volgende", "Next"),
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
    ("admin_privacy", "Verzoeken", "Requests"),
    (
        "prv_title",
        "Verzoeken van betrokkenen",
        "Data-subject requests",
    ),
    (
        "prv_staff_intro",
        "Verzoeken om inzage, correctie, verwijdering en andere rechten beantwoorden we binnen 10 werkdagen (weekenden en feestdagen tellen niet mee). De wettelijke grens is één maand na ontvangst.",
        "Requests for access, rectification, erasure and other rights are answered within 10 working days (weekends and public holidays do not count). The legal limit is one month after receipt.",
    ),
    (
        "prv_authority_intro",
        "Niet tevreden over hoe wij met een verzoek of klacht omgaan? Dan kun je een klacht indienen bij de toezichthouder, de",
        "Not satisfied with how we handle a request or complaint? You can complain to the supervisory authority, the",
    ),
    ("prv_status", "Status", "Status"),
    ("prv_kind", "Soort verzoek", "Kind of request"),
    ("prv_channel", "Binnengekomen via", "Arrived by"),
    ("prv_deadline", "Termijn", "Deadline"),
    ("prv_all", "Alle", "All"),
    ("prv_filter", "Filteren", "Filter"),
    ("prv_requester", "Verzoeker", "Requester"),
    ("prv_candidate", "kandidaat", "candidate"),
    ("prv_received_on", "Ontvangen op", "Received on"),
    (
        "prv_due_on",
        "Termijn (10 werkdagen)",
        "Deadline (10 working days)",
    ),
    (
        "prv_legal_limit",
        "Wettelijke grens (1 maand)",
        "Legal limit (1 month)",
    ),
    ("prv_page", "Pagina", "Page"),
    ("prv_register", "Verzoek registreren", "Register a request"),
    ("prv_requester_name", "Naam verzoeker", "Requester's name"),
    (
        "prv_requester_contact",
        "Contact (e-mail of telefoon)",
        "Contact (e-mail or phone)",
    ),
    (
        "prv_candidate_id",
        "Kandidaatnummer (als de verzoeker kandidaat is)",
        "Candidate number (when the requester is a candidate)",
    ),
    ("prv_description", "Omschrijving", "Description"),
    (
        "prv_identity_check",
        "Identiteitscontrole",
        "Identity check",
    ),
    (
        "prv_identity_method",
        "Hoe gecontroleerd",
        "How it was checked",
    ),
    (
        "prv_no_special_data",
        "Noteer nooit een BSN, IBAN of het nummer van een identiteitsbewijs: schrijf hoe de identiteit is gecontroleerd, niet het nummer.",
        "Never write down a BSN, IBAN or ID document number: write how the identity was checked, not the number.",
    ),
    (
        "prv_no_special_data_mine",
        "Vermeld geen BSN, IBAN of nummer van je identiteitsbewijs; dat hebben we niet nodig.",
        "Do not include a BSN, IBAN or ID document number; we do not need it.",
    ),
    ("prv_answer", "Antwoord", "Answer"),
    ("prv_answered_at", "Beantwoord op", "Answered at"),
    ("prv_handled_by", "Behandeld door", "Handled by"),
    ("prv_update", "Verzoek bijwerken", "Update the request"),
    (
        "prv_closed_note",
        "Dit verzoek is afgesloten en blijft bewaard als vastlegging van de afhandeling.",
        "This request is closed and is kept as the record of how it was handled.",
    ),
    (
        "prv_back",
        "Terug naar alle verzoeken",
        "Back to all requests",
    ),
    (
        "prv_my_title",
        "Mijn privacyverzoeken",
        "My privacy requests",
    ),
    (
        "prv_my_intro",
        "Je kunt je gegevens inzien, laten corrigeren of verwijderen, bezwaar maken en meer. We beantwoorden je verzoek binnen 10 werkdagen, en uiterlijk binnen één maand.",
        "You can see, correct or erase your data, object, and more. We answer your request within 10 working days, and within one month at the latest.",
    ),
    ("prv_rights_title", "Jouw rechten", "Your rights"),
    ("prv_file_title", "Een verzoek indienen", "File a request"),
    ("prv_file_submit", "Verzoek indienen", "File the request"),
    ("prv_kind_access", "Inzage", "Access"),
    ("prv_kind_rectification", "Correctie", "Rectification"),
    ("prv_kind_erasure", "Verwijdering", "Erasure"),
    ("prv_kind_objection", "Bezwaar", "Objection"),
    (
        "prv_kind_restriction",
        "Beperking van de verwerking",
        "Restriction of processing",
    ),
    (
        "prv_kind_portability",
        "Gegevensoverdracht",
        "Data portability",
    ),
    ("prv_kind_complaint", "Klacht", "Complaint"),
    ("prv_channel_mail", "E-mail", "E-mail"),
    ("prv_channel_phone", "Telefoon", "Phone"),
    ("prv_channel_letter", "Brief", "Letter"),
    ("prv_channel_portal", "Portaal", "Portal"),
    ("prv_status_received", "Ontvangen", "Received"),
    ("prv_status_in_progress", "In behandeling", "In progress"),
    ("prv_status_extended", "Verlengd", "Extended"),
    ("prv_status_answered", "Beantwoord", "Answered"),
    ("prv_status_refused", "Geweigerd", "Refused"),
    ("prv_status_withdrawn", "Ingetrokken", "Withdrawn"),
    ("prv_check_not_done", "Nog niet gedaan", "Not done yet"),
    ("prv_check_verified", "Geverifieerd", "Verified"),
    ("prv_check_failed", "Mislukt", "Failed"),
    ("prv_urgency_overdue", "Te laat", "Overdue"),
    ("prv_urgency_due_soon", "Binnenkort", "Due soon"),
    (
        "prv_urgency_urgent",
        "Te laat of binnenkort",
        "Overdue or due soon",
    ),
    ("prv_urgency_on_time", "Op tijd", "On time"),
    ("prv_urgency_closed", "Afgesloten", "Closed"),
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
    ("admin_candidates", "Kandidaten", "Candidates"),
    ("nav_portal", "Mijn profiel", "My profile"),
    ("nav_signup", "Inschrijven", "Sign up"),
    (
        "signup_title",
        "Inschrijven als werkzoekende",
        "Sign up as a job seeker",
    ),
    (
        "signup_intro",
        "Naam, e-mailadres en wachtwoord zijn verplicht; de rest vul je in wanneer je wilt.",
        "Name, e-mail address and password are required; fill in the rest whenever you like.",
    ),
    ("signup_optional", "Optioneel", "Optional"),
    (
        "signup_accept_statement",
        "Ik heb gelezen en ga akkoord met de",
        "I have read and accept the",
    ),
    (
        "privacy_statement",
        "privacyverklaring",
        "privacy statement",
    ),
    ("signup_submit", "Inschrijven", "Sign up"),
    (
        "signup_have_account",
        "Heb je al een profiel? Log in.",
        "Already have a profile? Log in.",
    ),
    ("signup_sent_title", "Kijk in je mail", "Check your mail"),
    (
        "signup_sent_text",
        "We hebben je een e-mail gestuurd. Bevestig daarmee je adres om verder te gaan. Had je al een profiel bij ons? Dan staat in de mail hoe je het koppelt.",
        "We have sent you an e-mail. Confirm your address with it to continue. Did you already have a profile with us? The mail tells you how to link it.",
    ),
    ("candidate_name", "Naam", "Name"),
    ("candidate_phone", "Telefoon", "Phone"),
    ("candidate_place", "Woonplaats", "Place"),
    ("candidate_province", "Provincie", "Province"),
    ("candidate_desired_work", "Gewenst werk", "Desired work"),
    ("candidate_hours", "Uren per week", "Hours per week"),
    (
        "candidate_skills",
        "Vaardigheden (gescheiden door komma's)",
        "Skills (separated by commas)",
    ),
    ("candidate_summary", "Korte samenvatting", "Short summary"),
    (
        "no_special_data",
        "Vul nooit je BSN, paspoortnummer of bankrekeningnummer in: die bewaren wij niet.",
        "Never enter your citizen service number (BSN), passport number or bank account: we do not store them.",
    ),
    ("consents_title", "Toestemmingen", "Consents"),
    (
        "purpose_other_labels",
        "Ook zichtbaar voor de andere labels van ons netwerk",
        "Also visible to the other labels of our network",
    ),
    (
        "purpose_showcase",
        "Anoniem in de Talenten Etalage",
        "Anonymously in the talent showcase",
    ),
    (
        "purpose_vacancy_mails",
        "Mails over vacatures die bij mij passen",
        "Mails about vacancies that fit me",
    ),
    (
        "verify_title",
        "E-mailadres bevestigen",
        "Confirm your e-mail address",
    ),
    (
        "verify_submit",
        "Bevestig mijn e-mailadres",
        "Confirm my e-mail address",
    ),
    (
        "login_code_title",
        "Inloggen met een code",
        "Log in with a code",
    ),
    (
        "login_code_intro",
        "Geen wachtwoord of vergeten? We mailen je een code van zes cijfers.",
        "No password, or forgot it? We mail you a six-digit code.",
    ),
    ("login_code_request", "Stuur mij een code", "Send me a code"),
    (
        "login_code_sent",
        "Als dit adres bij ons bekend is, staat er nu een code in je mail. Hij is 10 minuten geldig.",
        "If we know this address, a code is in your mail now. It is valid for 10 minutes.",
    ),
    ("login_code_label", "Code", "Code"),
    (
        "login_code_wrong",
        "Deze code klopt niet of is verlopen.",
        "This code is wrong or has expired.",
    ),
    ("portal_title", "Mijn profiel", "My profile"),
    ("portal_profile", "Profiel", "Profile"),
    ("portal_documents", "Mijn documenten", "My documents"),
    ("portal_privacy", "Mijn privacy", "My privacy"),
    (
        "portal_export",
        "Download al mijn gegevens",
        "Download all my data",
    ),
    ("portal_availability", "Beschikbaarheid", "Availability"),
    (
        "portal_verify_pending",
        "Bevestig je e-mailadres via de link in je mail.",
        "Confirm your e-mail address with the link in your mail.",
    ),
    ("availability_available", "Beschikbaar", "Available"),
    (
        "availability_passive",
        "Tijdelijk niet beschikbaar (passief)",
        "Temporarily unavailable (passive)",
    ),
    ("join_title", "Je profiel koppelen", "Link your profile"),
    (
        "join_intro",
        "Je hebt al een profiel bij ons netwerk. Accepteer de privacyverklaring van dit label om het hier te gebruiken.",
        "You already have a profile in our network. Accept this label's privacy statement to use it here.",
    ),
    ("join_submit", "Akkoord", "Accept"),
    (
        "statement_new_title",
        "Nieuwe privacyverklaring",
        "New privacy statement",
    ),
    (
        "statement_new_intro",
        "Onze privacyverklaring is gewijzigd. Lees en accepteer de nieuwe versie om verder te gaan.",
        "Our privacy statement has changed. Read and accept the new version to continue.",
    ),
    (
        "notice_verified",
        "Je e-mailadres is bevestigd.",
        "Your e-mail address is confirmed.",
    ),
    ("erase_title", "Alles verwijderen", "Erase everything"),
    (
        "erase_intro",
        "Niet meer beschikbaar, voorgoed? Dan verwijderen we je profiel, documenten, toestemmingen en account direct en volledig.",
        "Unavailable for good? Then we erase your profile, documents, consents and account at once and completely.",
    ),
    (
        "erase_confirm",
        "Ja, verwijder alles. Ik begrijp dat dit niet ongedaan kan worden.",
        "Yes, erase everything. I understand this cannot be undone.",
    ),
    (
        "erase_confirm_needed",
        "Vink aan dat je alles wilt verwijderen.",
        "Tick the box to confirm that you want everything erased.",
    ),
    ("erase_submit", "Verwijder alles", "Erase everything"),
    (
        "erase_staff_confirm",
        "Op verzoek van de kandidaat: verwijder alles (kan niet ongedaan worden)",
        "At the candidate's request: erase everything (cannot be undone)",
    ),
    ("erased_title", "Verwijderd", "Erased"),
    (
        "erased_text",
        "Alles wat we over je bewaarden is verwijderd. Bewaar het bewijs hieronder; het bevat geen persoonsgegevens.",
        "Everything we held about you has been erased. Keep the receipt below; it holds no personal data.",
    ),
    ("receipt", "Bewijs", "Receipt"),
    (
        "rights_authority",
        "Een klacht over hoe wij met je gegevens omgaan kun je indienen bij de Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl).",
        "You can file a complaint about how we handle your data with the Dutch data protection authority, the Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl).",
    ),
    (
        "my_privacy_intro",
        "Hier zie je aan wie we je gegevens gaven, welke medewerkers je profiel bekeken en welke toestemmingen je gaf.",
        "Here you see whom we gave your data to, which staff looked at your profile and which consents you gave.",
    ),
    ("my_privacy_disclosures", "Verstrekkingen", "Disclosures"),
    (
        "my_privacy_accesses",
        "Inzage door medewerkers",
        "Staff access",
    ),
    ("when", "Wanneer", "When"),
    ("label", "Label", "Label"),
    ("labels", "Labels", "Labels"),
    ("recipient", "Ontvanger", "Recipient"),
    ("data_categories", "Gegevens", "Data"),
    ("outcome", "Resultaat", "Outcome"),
    ("action", "Handeling", "Action"),
    ("purpose", "Doel", "Purpose"),
    ("form", "Via", "Through"),
    ("given", "gegeven", "given"),
    ("withdrawn", "ingetrokken", "withdrawn"),
    ("filter", "Filteren", "Filter"),
    ("updated", "Bijgewerkt", "Updated"),
    ("notes", "Notities van dit label", "This label's notes"),
    ("note_add", "Notitie toevoegen", "Add a note"),
    (
        "audited_read",
        "Elke inzage van dit profiel wordt vastgelegd en is zichtbaar voor de kandidaat.",
        "Every view of this profile is logged and visible to the candidate.",
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
