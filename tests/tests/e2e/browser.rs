//! In a real browser: the first admin sets up their account through the printed link, logs in
//! and sees the label list.
use etalage_tests::browser::Browser;
use etalage_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_admin_logs_in_and_sees_the_label_list() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app(Backend::Sqlite).await;
    let token = app.setup_token.clone().unwrap();
    let host = "winwinwerkt.localhost";

    browser
        .goto(&app.url(host, &format!("/setup/{token}")))
        .await;
    browser
        .fill("input[name=display_name]", "Eerste Beheerder")
        .await;
    browser.fill("input[name=email]", ADMIN_EMAIL).await;
    browser.fill("input[name=password]", ADMIN_PASSWORD).await;
    browser
        .fill("input[name=password_repeat]", ADMIN_PASSWORD)
        .await;
    browser.click("#setup-submit").await;
    browser.wait_for("table#labels").await;

    // Log out and in again with the chosen password.
    browser.click("#logout").await;
    browser.wait_for("#login-submit").await;
    browser.fill("input[name=email]", ADMIN_EMAIL).await;
    browser.fill("input[name=password]", ADMIN_PASSWORD).await;
    browser.click("#login-submit").await;
    let table = browser.wait_for("table#labels").await;
    for name in [
        "WinWinWerkt",
        "Vacature Service MKB",
        "65plus Werkt",
        "WerkWeb",
        "Onbekend Talent",
    ] {
        if !table.contains(name) {
            browser.screenshot("label-list").await;
            panic!("{name} missing from the label list: {table}");
        }
    }
    browser.close().await;
}
