//! The web interface in-process: sessions, CSRF, headers, escaping, forms that keep what was
//! typed, and scope. `browser.rs` drives the same pages in Chromium.

use actix_web::test as web_test;
use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use serde_json::json;
use vigil::http::app;
use vigil::store::Db;

use crate::support::TestDb;
use crate::support::api::{call_ok, opened_case};
use crate::support::app::{seed_user, state};
use crate::support::process::free_address;
use crate::support::smtp::SmtpSink;
use crate::support::ui::{csrf_of, nav_count, request, sign_in, sign_in_holding};

const SESSION: &str = "vigil_session";

#[actix_web::test]
async fn signing_in_with_a_token_opens_a_strict_session_that_sign_out_revocation_and_idleness_end() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, token) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let mut app_state = state(pool);
    app_state.trusted_proxies = vec!["127.0.0.1".parse().unwrap()].into();
    let service = web_test::init_service(app(app_state)).await;

    // Not signed in: every page sends the browser to the sign-in form.
    let anonymous = request(&service, "/ui/cases", &[], None).await;
    assert_eq!(anonymous.status, 303);
    assert_eq!(anonymous.location.as_deref(), Some("/ui/sign-in"));

    let form = request(&service, "/ui/sign-in", &[], None).await;
    assert_eq!(form.status, 200);
    let pairing = form.cookie("vigil_sign_in").unwrap();
    let csrf = csrf_of(&form.body);
    assert_eq!(pairing, csrf);

    // A sign-in form posted from elsewhere (no pairing cookie) is refused before the token is looked at.
    let forged = request(
        &service,
        "/ui/sign-in",
        &[],
        Some(&[("csrf", &csrf), ("token", &token)]),
    )
    .await;
    assert_eq!(forged.status, 403);
    assert!(forged.cookie(SESSION).is_none());

    // A wrong token: the form again, with a message, and the token not shown back.
    let wrong = "vgl_00000000_".to_owned() + &"0".repeat(64);
    let refused = request(
        &service,
        "/ui/sign-in",
        &[("vigil_sign_in", &pairing)],
        Some(&[("csrf", &csrf), ("token", &wrong)]),
    )
    .await;
    assert_eq!(refused.status, 401);
    assert!(refused.body.contains("That token is not valid"));
    assert!(!refused.body.contains(&wrong));
    assert!(refused.cookie(SESSION).is_none());

    let signed = request(
        &service,
        "/ui/sign-in",
        &[("vigil_sign_in", &pairing)],
        Some(&[("csrf", &csrf), ("token", &token)]),
    )
    .await;
    assert_eq!(signed.status, 303);
    assert_eq!(signed.location.as_deref(), Some("/ui/"));
    let line = signed
        .set_cookies
        .iter()
        .find(|l| l.starts_with("vigil_session="))
        .unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/ui"] {
        assert!(line.contains(attribute), "{line}");
    }
    // Plain HTTP here: `Secure` is for sessions served over TLS…
    assert!(!line.contains("Secure"), "{line}");
    // …as behind a trusted proxy that terminates it and says so; anyone else saying so is not
    // believed.
    let session_cookie_from = |peer: &str| {
        web_test::TestRequest::post()
            .uri("/ui/sign-in")
            .peer_addr(peer.parse().unwrap())
            .insert_header(("X-Forwarded-Proto", "https"))
            .insert_header(("Cookie", format!("vigil_sign_in={pairing}")))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload(format!("csrf={csrf}&token={token}"))
            .to_request()
    };
    for (peer, secure) in [("127.0.0.1:40000", true), ("192.0.2.7:40000", false)] {
        let answer = web_test::call_service(&service, session_cookie_from(peer)).await;
        assert_eq!(answer.status(), 303);
        let line = answer
            .headers()
            .get_all("set-cookie")
            .filter_map(|v| v.to_str().ok())
            .find(|l| l.starts_with("vigil_session="))
            .unwrap();
        assert_eq!(line.contains("Secure"), secure, "from {peer}: {line}");
        assert!(line.contains("HttpOnly"), "{line}");
    }
    let session = signed.cookie(SESSION).unwrap();
    // Only the secret's hash is stored.
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) AS count FROM web_sessions WHERE id_hash = sha256('{session}'::bytea)"
        )),
        1
    );
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) AS count FROM web_sessions WHERE encode(id_hash, 'hex') = '{session}'"
        )),
        0
    );

    let cases = request(&service, "/ui/cases", &[(SESSION, &session)], None).await;
    assert_eq!(cases.status, 200);
    assert!(cases.body.contains("My cases"));

    // Sign out needs the session's token; then the cookie opens nothing.
    let page_csrf = csrf_of(&cases.body);
    let no_token = request(&service, "/ui/sign-out", &[(SESSION, &session)], Some(&[])).await;
    assert_eq!(no_token.status, 403);
    let out = request(
        &service,
        "/ui/sign-out",
        &[(SESSION, &session)],
        Some(&[("csrf", &page_csrf)]),
    )
    .await;
    assert_eq!(out.status, 303);
    assert!(out.set_cookies.iter().any(|l| l.starts_with("vigil_session=;")));
    let after = request(&service, "/ui/cases", &[(SESSION, &session)], None).await;
    assert_eq!(after.status, 303);

    // A session ends when its token is revoked…
    let revoked = sign_in(&service, &token).await;
    assert_eq!(
        request(&service, "/ui/cases", &[(SESSION, &revoked)], None)
            .await
            .status,
        200
    );
    db.connect()
        .batch_execute("UPDATE api_tokens SET revoked_at = now()")
        .unwrap();
    assert_eq!(
        request(&service, "/ui/cases", &[(SESSION, &revoked)], None)
            .await
            .status,
        303
    );

    // …and after 30 minutes without a request.
    db.connect()
        .batch_execute("UPDATE api_tokens SET revoked_at = NULL")
        .unwrap();
    let idle = sign_in(&service, &token).await;
    db.connect()
        .batch_execute("UPDATE web_sessions SET last_seen_at = now() - interval '31 minutes'")
        .unwrap();
    assert_eq!(
        request(&service, "/ui/cases", &[(SESSION, &idle)], None).await.status,
        303
    );
}

#[actix_web::test]
async fn pages_are_uncached_unframed_without_inline_script_and_escape_what_users_typed() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, token) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    let session = sign_in(&service, &token).await;
    let new = request(&service, "/ui/cases/new", &[(SESSION, &session)], None).await;
    let csrf = csrf_of(&new.body);
    let hostile = "<script>alert(1)</script>\"'&";
    let opened = request(
        &service,
        "/ui/cases",
        &[(SESSION, &session)],
        Some(&[
            ("csrf", &csrf),
            ("country", "ke"),
            ("themes", "MEDIA"),
            ("themes", "WHRD"),
            ("risk", "high"),
            ("workflow", "trial_observation"),
            ("defender_name", hostile),
            ("narrative", "Arrested <b>twice</b>"),
        ]),
    )
    .await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let case_uri = opened.location.unwrap();
    assert!(case_uri.starts_with("/ui/cases/"));
    let page = request(&service, &case_uri, &[(SESSION, &session)], None).await;
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert!(
        page.body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#39;&#38;")
    );
    assert!(!page.body.contains("<script"));
    assert!(page.body.contains("Arrested &#60;b&#62;twice&#60;/b&#62;"));
    // The title and the address name the case by its reference, never by its defender.
    let title = page
        .body
        .split("<title>")
        .nth(1)
        .unwrap()
        .split("</title>")
        .next()
        .unwrap();
    assert!(title.starts_with("Case VG-"), "{title}");
    assert!(!case_uri.contains("alert"));
    // The picture of the state machine marks where the trial observation stands.
    assert!(page.body.contains("current state: Hearing identified"));
    // Reading the page is on record: the case, its timeline and its attachments' names.
    assert_eq!(
        db.count("SELECT count(*) AS count FROM access_log WHERE what IN ('read', 'timeline')"),
        3
    );

    // The stylesheet is the only asset, served by Vigil itself and cacheable.
    let css = request(&service, "/ui/static/vigil.css", &[], None).await;
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert!(!css.body.contains("http://") && !css.body.contains("https://") && !css.body.contains("@import"));
    // The page loads nothing but it: no `src` at all, every link within Vigil.
    assert!(!page.body.contains(" src="));
    for link in page.body.split("href=\"").skip(1) {
        assert!(
            link.starts_with('/') || link.starts_with('#'),
            "{}",
            &link[..40.min(link.len())]
        );
    }
}

#[actix_web::test]
async fn a_refused_form_keeps_what_was_typed_shows_each_problem_by_its_field_and_writes_nothing() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (user, token) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    let session = sign_in(&service, &token).await;
    let cookies = [(SESSION, session.as_str())];
    let csrf = csrf_of(&request(&service, "/ui/cases/new", &cookies, None).await.body);

    // No CSRF token: refused, nothing written.
    let forged = request(
        &service,
        "/ui/cases",
        &cookies,
        Some(&[
            ("country", "KE"),
            ("themes", "MEDIA"),
            ("risk", "high"),
            ("defender_name", "A"),
        ]),
    )
    .await;
    assert_eq!(forged.status, 403);

    // No name, a bad country: the form again, filled in, the problems beside their fields.
    let refused = request(
        &service,
        "/ui/cases",
        &cookies,
        Some(&[
            ("csrf", &csrf),
            ("country", "XX1"),
            ("themes", "LAWYERS"),
            ("risk", "critical"),
            ("workflow", "trial_observation"),
            ("narrative", "Detained since March"),
        ]),
    )
    .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Detained since March</textarea>"));
    assert!(refused.body.contains("value=\"XX1\""));
    assert!(
        refused
            .body
            .contains("id=\"theme-LAWYERS\" name=\"themes\" value=\"LAWYERS\" checked")
    );
    assert!(refused.body.contains("<option value=\"critical\" selected>"));
    assert!(
        refused
            .body
            .contains("id=\"c-defender_name-error\">Defender&#39;s name is required")
    );
    assert!(
        refused
            .body
            .contains("id=\"country-error\">Country must be a country code of two letters, such as KE")
    );
    // In French for a user whose setting is French: the cases layer's problems too.
    db.connect()
        .batch_execute(&format!("UPDATE users SET language = 'fr' WHERE id = '{user}'"))
        .unwrap();
    let french = request(
        &service,
        "/ui/cases",
        &cookies,
        Some(&[
            ("csrf", &csrf),
            ("country", "XX1"),
            ("themes", "LAWYERS"),
            ("risk", "critical"),
        ]),
    )
    .await;
    assert!(
        french
            .body
            .contains("id=\"country-error\">Pays doit être un code de pays de deux lettres, comme KE"),
        "{}",
        french.body
    );
    db.connect()
        .batch_execute(&format!("UPDATE users SET language = NULL WHERE id = '{user}'"))
        .unwrap();
    assert_eq!(db.count("SELECT count(*) AS count FROM cases"), 0);

    let opened = request(
        &service,
        "/ui/cases",
        &cookies,
        Some(&[
            ("csrf", &csrf),
            ("country", "KE"),
            ("themes", "LAWYERS"),
            ("risk", "critical"),
            ("workflow", "trial_observation"),
            ("defender_name", "Wanjiru"),
        ]),
    )
    .await;
    let case_uri = opened.location.unwrap();
    let case_id = case_uri.trim_start_matches("/ui/cases/").to_owned();
    let page = request(&service, &case_uri, &cookies, None).await;
    let action = action_ending(&page.body, "/actions/request_observation").unwrap();
    let procedure = page.body.split("name=\"workflow_version\" value=\"").nth(1).unwrap();
    let workflow_version = procedure.split('"').next().unwrap().to_owned();
    let base = [
        ("csrf", csrf.as_str()),
        ("case", case_id.as_str()),
        ("version", "1"),
        ("workflow", "trial_observation"),
        ("workflow_version", workflow_version.as_str()),
        ("data.court", "High Court, Nairobi"),
        ("data.case_number", "HC 12/2026"),
        ("data.charges", "Sedition"),
        ("data.proposed_observers", "Two officers"),
    ];

    // The next step first and open, the others as the workflow declares them (the main steps
    // before the ones every workflow has); its fields in declaration order, under its labels.
    let offered: Vec<&str> = page
        .body
        .split("<details class=\"action\" id=\"a-")
        .skip(1)
        .map(|d| d.split('"').next().unwrap_or_default())
        .collect();
    assert!(offered[0].ends_with("-request_observation"), "{offered:?}");
    let last_two: Vec<&str> = offered[offered.len() - 2..]
        .iter()
        .map(|a| a.rsplit('-').next().unwrap())
        .collect();
    assert_eq!(last_two, ["record_feedback", "close"], "{offered:?}");
    assert!(page.body.contains("-request_observation\" open>"), "{}", page.body);
    assert_eq!(unfolded(&page.body), 1, "only the usual step is open");
    assert!(
        page.body
            .contains("Request approval to observe <span class=\"tag\">usual next step</span>")
    );
    let at = |needle: &str| {
        page.body
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} not on the page"))
    };
    assert!(
        at("name=\"data.court\"") < at("name=\"data.case_number\"")
            && at("name=\"data.case_number\"") < at("name=\"data.charges\"")
            && at("name=\"data.charges\"") < at("name=\"data.hearing_date\"")
            && at("name=\"data.hearing_date\"") < at("name=\"data.lawyer_contact\""),
        "fields as declared"
    );
    assert!(page.body.contains("Lawyer&#39;s contact"), "the workflow's label");

    // The court's case number is one line (`lines = 1`); the charges a box for paragraphs.
    assert!(
        !page.body.contains("name=\"data.case_number\" rows=") && page.body.contains("name=\"data.charges\" rows="),
        "{}",
        page.body
    );
    assert!(page.body.contains("name=\"data.case_number\""), "{}", page.body);
    // A date and time is read on the user's clock (here the delegation's), and says so.
    assert!(page.body.contains("Your time: Europe/Brussels"));

    // The hearing date missing: the engine's rule, shown beside the field; the rest kept.
    let missing = request(&service, &action, &cookies, Some(&base)).await;
    assert_eq!(missing.status, 422, "{}", missing.body);
    assert!(missing.body.contains("Hearing date is required"));
    assert!(missing.body.contains(">Sedition</textarea>"));
    assert!(missing.body.contains("<details class=\"action\""));
    assert!(missing.body.contains("-request_observation\" open>"));
    assert_eq!(unfolded(&missing.body), 1, "only the refused one");
    // A date the browser sent but that is no date: refused here, in words.
    let mut garbled = base.to_vec();
    garbled.push(("data.hearing_date", "next week"));
    let refused = request(&service, &action, &cookies, Some(&garbled)).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Hearing date must be a date and time"));
    // The same problems in French, for a user whose setting is French.
    let speak = |language: &str| {
        db.connect()
            .batch_execute(&format!("UPDATE users SET language = '{language}' WHERE id = '{user}'"))
            .unwrap();
    };
    speak("fr");
    let missing = request(&service, &action, &cookies, Some(&base)).await;
    assert!(
        missing.body.contains("Date de l&#39;audience est obligatoire"),
        "{}",
        missing.body
    );
    let refused = request(&service, &action, &cookies, Some(&garbled)).await;
    assert!(
        refused
            .body
            .contains("Date de l&#39;audience doit être une date et une heure")
    );
    // The engine's own rules too: a case number is one line.
    let mut two_lines: Vec<(&str, &str)> = complete_but("data.case_number", &base);
    two_lines.push(("data.case_number", "HC 12\n2026"));
    two_lines.push(("data.hearing_date", "2027-01-20T09:30"));
    let refused = request(&service, &action, &cookies, Some(&two_lines)).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("doit tenir sur une ligne"), "{}", refused.body);
    // An action the step does not take (a stale page), refused in the workflow's words.
    let approve = action.replace("/actions/request_observation", "/actions/approve");
    let refused = request(&service, &approve, &cookies, Some(&base[..5])).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("ne peut pas être fait à l&#39;étape « Audience repérée »"),
        "{}",
        refused.body
    );
    speak("en");
    let refused = request(&service, &action, &cookies, Some(&two_lines)).await;
    assert!(refused.body.contains("must be one line"), "{}", refused.body);
    assert_eq!(
        db.count("SELECT count(*) AS count FROM case_events WHERE action = 'request_observation'"),
        0
    );

    // With the date, on the delegation's clock (Brussels, for the seeded delegation): taken.
    let mut complete = base.to_vec();
    complete.push(("data.hearing_date", "2027-01-20T09:30"));
    let taken = request(&service, &action, &cookies, Some(&complete)).await;
    assert_eq!(taken.status, 303, "{}", taken.body);
    // Back to the case, which says what was done, focus moved there.
    let back = taken.location.unwrap();
    assert!(
        back.starts_with(&format!("{case_uri}?done=request_observation&p=")) && back.ends_with("#done"),
        "{back}"
    );
    let confirmed = request(&service, back.trim_end_matches("#done"), &cookies, None).await;
    assert!(
        confirmed
            .body
            .contains("<p class=\"notice\" role=\"status\" id=\"done\" tabindex=\"-1\" autofocus>Done: "),
        "{}",
        confirmed.body
    );
    // An action that is not the procedure's says nothing (and repeats nothing of the address).
    let bogus = back
        .trim_end_matches("#done")
        .replace("done=request_observation", "done=%3Cscript%3E");
    let bogus = request(&service, &bogus, &cookies, None).await;
    assert_eq!(bogus.status, 200);
    assert!(!bogus.body.contains("id=\"done\"") && !bogus.body.contains("<script>"));
    let page = request(&service, &case_uri, &cookies, None).await;
    assert!(!page.body.contains("id=\"done\""), "only right after the action");
    assert!(
        page.body.contains("20 Jan 2027 09:30 CET"),
        "the hearing on the page's clock"
    );
    assert!(page.body.contains("current state: Awaiting approval"));
    // What the procedure holds, in the order of the fields that took it.
    let data = section_after(&page.body, "<dl class=\"data\">");
    let labels: Vec<&str> = data
        .split("<dt>")
        .skip(1)
        .map(|d| d.split("</dt>").next().unwrap_or_default())
        .collect();
    assert_eq!(
        labels,
        ["Court", "Case number", "Charges", "Hearing date", "Proposed observers"]
    );

    // The same form again (version 1, now stale): 409, what was typed kept, nothing written.
    let stale = request(&service, &action, &cookies, Some(&complete)).await;
    assert_eq!(stale.status, 409);
    assert!(stale.body.contains("Someone changed this procedure"));
    assert_eq!(
        db.count("SELECT count(*) AS count FROM case_events WHERE action = 'request_observation'"),
        1
    );
}

#[actix_web::test]
async fn another_delegation_sees_nothing_of_a_case_in_its_pages() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, kenya) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, uganda) = seed_user(&pool, "focal_point", Some("EUD_UG"));
    let service = web_test::init_service(app(state(pool))).await;
    let own = sign_in(&service, &kenya).await;
    let case_uri = open_demarche(&service, &own, "KE", "Otieno").await;
    let mine = request(&service, "/ui/cases", &[(SESSION, &own)], None).await;
    let by_due = request(&service, "/ui/cases?sort=due", &[(SESSION, &own)], None).await;
    assert_eq!(by_due.status, 200);
    assert!(by_due.body.contains("<option value=\"due\" selected>"));
    assert!(by_due.body.contains("Cases, next due first"));
    let reference = "VG-".to_owned() + mine.body.split(">VG-").nth(1).unwrap().split('<').next().unwrap();

    let other = sign_in(&service, &uganda).await;
    let list = request(&service, "/ui/cases?whose=all", &[(SESSION, &other)], None).await;
    assert_eq!(list.status, 200);
    assert!(!list.body.contains(&reference));
    let page = request(&service, &case_uri, &[(SESSION, &other)], None).await;
    assert_eq!(page.status, 404);
    assert!(!page.body.contains("Otieno"));

    // The same defender opened again in Kenya is flagged on the new case's page; a case of
    // the same name in Uganda names nothing of Kenya's.
    let again = open_demarche(&service, &own, "KE", "OTIENO").await;
    let flagged = request(&service, &again, &[(SESSION, &own)], None).await;
    assert!(flagged.body.contains("Possible duplicates"), "{}", flagged.body);
    // A link to the other case.
    assert!(
        flagged
            .body
            .contains(&format!("<a href=\"{case_uri}\"><strong>{reference}</strong></a>")),
        "{}",
        flagged.body
    );
    let theirs = open_demarche(&service, &other, "UG", "Otieno").await;
    let theirs = request(&service, &theirs, &[(SESSION, &other)], None).await;
    assert!(!theirs.body.contains("Possible duplicates"));
    assert_eq!(
        db.count("SELECT count(*) AS count FROM access_log WHERE what = 'denied'"),
        1
    );
}

/// Opens a low-risk démarche in `country` for `defender` through the form, signed in as
/// `session`: the new case page's address.
async fn open_demarche<S, B>(service: &S, session: &str, country: &str, defender: &str) -> String
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let csrf = csrf_of(
        &request(service, "/ui/cases/new", &[(SESSION, session)], None)
            .await
            .body,
    );
    let opened = request(
        service,
        "/ui/cases",
        &[(SESSION, session)],
        Some(&[
            ("csrf", &csrf),
            ("country", country),
            ("themes", "MEDIA"),
            ("risk", "low"),
            ("workflow", "demarche"),
            ("defender_name", defender),
        ]),
    )
    .await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    opened.location.unwrap()
}

/// Owned form pairs as `request` takes them.
fn borrowed<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

#[actix_web::test]
async fn the_edit_form_shows_the_case_changes_it_against_the_version_read_and_keeps_entries_on_a_refusal() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, token) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    let session = sign_in(&service, &token).await;
    let cookies = [(SESSION, session.as_str())];
    let csrf = csrf_of(&request(&service, "/ui/cases/new", &cookies, None).await.body);
    let opened = request(
        &service,
        "/ui/cases",
        &cookies,
        Some(&[
            ("csrf", &csrf),
            ("country", "KE"),
            ("themes", "MEDIA"),
            ("risk", "low"),
            ("workflow", "demarche"),
            ("defender_name", "Achieng"),
            ("narrative", "Threatened"),
        ]),
    )
    .await;
    let case_uri = opened.location.unwrap();
    let edit_uri = format!("{case_uri}/edit");
    let form = request(&service, &edit_uri, &cookies, None).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("value=\"Achieng\""));
    assert!(form.body.contains(">Threatened</textarea>"));
    assert!(form.body.contains("name=\"version\" value=\"1\""));
    let reference = form
        .body
        .split("name=\"reference\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let edit = |name: &'static str, risk: &'static str, version: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("version", version.to_owned()),
            ("reference", reference.to_owned()),
            ("country", "KE".to_owned()),
            ("themes", "MEDIA".to_owned()),
            ("themes", "DIGITAL".to_owned()),
            ("risk", risk.to_owned()),
            ("defender_name", name.to_owned()),
            ("narrative", String::new()),
            ("location", "Kisumu".to_owned()),
        ]
    };

    // The name emptied: refused, the entries kept, nothing changed.
    let nameless = edit("", "high", "1");
    let refused = request(&service, &edit_uri, &cookies, Some(&borrowed(&nameless))).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Defender&#39;s name must not be empty"));
    assert!(refused.body.contains("value=\"Kisumu\""));
    assert!(refused.body.contains("<option value=\"high\" selected>"));

    let good = edit("Achieng O.", "high", "1");
    let saved = request(&service, &edit_uri, &cookies, Some(&borrowed(&good))).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = request(&service, &case_uri, &cookies, None).await;
    let sealed = page
        .body
        .split("<dl class=\"sealed\">")
        .nth(1)
        .unwrap()
        .split("</dl>")
        .next()
        .unwrap();
    assert!(sealed.contains("Achieng O.") && sealed.contains("Kisumu"), "{sealed}");
    assert!(!sealed.contains("Threatened"), "an emptied field is removed: {sealed}");
    // The timeline keeps what the case said before.
    assert!(page.body.contains(">Threatened<"));
    assert!(page.body.contains("high risk"));
    assert!(page.body.contains("Digital rights"));

    // The same form again, read at version 1: 409, entries kept, the version now current.
    let stale = request(&service, &edit_uri, &cookies, Some(&borrowed(&good))).await;
    assert_eq!(stale.status, 409);
    assert!(stale.body.contains("Someone changed this case"));
    assert!(stale.body.contains("name=\"version\" value=\"2\""));
    assert!(stale.body.contains("value=\"Achieng O.\""));
}

#[actix_web::test]
async fn administrators_manage_users_tokens_dead_reminders_and_two_person_erasure_from_their_page() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (first_admin_id, first_admin) = seed_user(&pool, "admin", None);
    let (second_admin_id, second_admin) = seed_user(&pool, "admin", None);
    let (_, focal_point) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, head) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let (_, other_head) = seed_user(&pool, "head_of_delegation", Some("EUD_UG"));
    let outbox = tempfile::tempdir().unwrap();
    let mut state = state(pool);
    state.mailer = Some(std::sync::Arc::new(vigil::mail::Mailer {
        outbox: vigil::mail::Outbox::Files(outbox.path().to_owned()),
        from: "vigil@example.org".into(),
        public_url: "https://vigil.example/".into(),
        catalog: Default::default(),
    }));
    let service = web_test::init_service(app(state)).await;

    // Not for focal points.
    let fp = sign_in(&service, &focal_point).await;
    assert_eq!(
        request(&service, "/ui/admin", &[(SESSION, &fp)], None).await.status,
        403
    );

    let admin = sign_in(&service, &first_admin).await;
    let cookies = [(SESSION, admin.as_str())];
    let home = request(&service, "/ui/", &cookies, None).await;
    assert_eq!(home.location.as_deref(), Some("/ui/admin"));
    let page = request(&service, "/ui/admin", &cookies, None).await;
    assert_eq!(page.status, 200);
    let csrf = csrf_of(&page.body);

    // A bad address: refused in words, the form kept.
    let refused = request(
        &service,
        "/ui/admin/users",
        &cookies,
        Some(&[
            ("csrf", &csrf),
            ("email", "not-an-address"),
            ("name", "Ama"),
            ("role", "focal_point"),
            ("delegation", "EUD_KE"),
        ]),
    )
    .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("is not an email address"));
    assert!(refused.body.contains("value=\"Ama\""));
    // A good one: the admin sees no token; Ama gets a one-time link to hers, by email.
    let added = request(
        &service,
        "/ui/admin/users",
        &cookies,
        Some(&[
            ("csrf", &csrf),
            ("email", "ama@example.org"),
            ("name", "Ama"),
            ("role", "head_of_delegation"),
            ("delegation", "eud_ke"),
        ]),
    )
    .await;
    // A head of delegation is a second administrator's to approve: until then, no user.
    assert_eq!(
        added.location.as_deref(),
        Some("/ui/admin?done=asked_admin"),
        "{}",
        added.body
    );
    let page = request(&service, "/ui/admin?done=asked_admin", &cookies, None).await;
    assert!(
        page.body
            .contains("Nothing changes until another administrator approves it")
    );
    assert!(!shows_a_token(&page.body), "the admin was shown a token");
    assert_eq!(
        db.count("SELECT count(*) AS count FROM users WHERE email = 'ama@example.org'"),
        0
    );
    // The one who asked sees it waiting, with no button, and cannot approve it by the form's address.
    let waiting = request(&service, "/ui/approvals", &cookies, None).await;
    assert!(waiting.body.contains("ama@example.org") && waiting.body.contains("waiting for another administrator"));
    let approve_own = action_ending(&waiting.body, "/approve");
    assert_eq!(approve_own, None, "the requester was offered the approval");
    assert_eq!(
        nav_count(&waiting.body, "/ui/approvals"),
        None,
        "their own request is not theirs to decide"
    );
    let grant_id: String = db_text(&db, "SELECT id::text AS text FROM grant_requests");
    let own = request(
        &service,
        &format!("/ui/approvals/grants/{grant_id}/approve"),
        &cookies,
        Some(&[("csrf", &csrf)]),
    )
    .await;
    assert_eq!(own.status, 422);
    assert!(
        own.body
            .contains("You asked for this yourself: another person must decide it."),
        "{}",
        own.body
    );
    assert_eq!(
        db.count("SELECT count(*) AS count FROM users WHERE email = 'ama@example.org'"),
        0
    );
    // The second administrator approves: Ama exists, and only she gets the link to her token.
    let second_session = sign_in(&service, &second_admin).await;
    let waiting = request(&service, "/ui/approvals", &[(SESSION, &second_session)], None).await;
    assert_eq!(
        nav_count(&waiting.body, "/ui/approvals"),
        Some(("1", "(one request to decide)"))
    );
    let approve = action_ending(&waiting.body, "/approve").unwrap();
    let approved = request(
        &service,
        &approve,
        &[(SESSION, &second_session)],
        Some(&[("csrf", &csrf_of(&waiting.body))]),
    )
    .await;
    assert_eq!(approved.location.as_deref(), Some("/ui/approvals?done=invited"));
    let token = token_from_link(&service, outbox.path(), "ama@example.org").await;
    assert!(token.starts_with("vgl_"));
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) AS count FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE u.email = 'ama@example.org' AND t.delivery = 'email_link' AND t.issued_by = '{second_admin_id}'"
        )),
        1,
        "the token row names who issued it (the approver) and how it was delivered"
    );
    assert_eq!(
        db.count("SELECT count(*) AS count FROM api_tokens WHERE delivery = 'command_line' AND issued_by IS NULL"),
        5,
        "the seeded users' tokens came from the operator's command line"
    );
    let ama = sign_in(&service, &token).await;
    assert_eq!(
        request(&service, "/ui/cases", &[(SESSION, &ama)], None).await.status,
        200
    );
    // Revoked by its prefix: her session ends with it.
    let prefix = token.split('_').nth(1).unwrap();
    let revoked = request(
        &service,
        "/ui/admin/tokens/revoke",
        &cookies,
        Some(&[("csrf", &csrf), ("prefix", prefix)]),
    )
    .await;
    assert_eq!(revoked.location.as_deref(), Some("/ui/admin?done=revoked"));
    assert_eq!(
        request(&service, "/ui/cases", &[(SESSION, &ama)], None).await.status,
        303
    );
    // Another token for her, asked for by the admin: again only through her own link.
    let page = request(&service, "/ui/admin", &cookies, None).await;
    let after_ama = page.body.split("ama@example.org").nth(1).unwrap();
    let issue = action_ending(after_ama, "/token").unwrap();
    let asked = request(&service, &issue, &cookies, Some(&[("csrf", &csrf)])).await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(asked.body.contains("A one-time link to a new token was emailed to"));
    assert!(!shows_a_token(&asked.body), "the admin was shown a token");
    let second = token_from_link(&service, outbox.path(), "ama@example.org").await;
    assert_ne!(second, token);
    let ama = sign_in(&service, &second).await;
    assert_eq!(
        request(&service, "/ui/cases", &[(SESSION, &ama)], None).await.status,
        200
    );

    // A dead reminder (asking for approval to observe schedules one), tried again.
    let (opened, transitions) = opened_case(
        &service,
        &focal_point,
        json!({"country": "KE", "themes": ["MEDIA"], "risk": "high",
               "confidential": {"defender_name": "Kamau"}, "procedure": {"workflow": "trial_observation"}}),
    )
    .await;
    let ask = json!({"action": "request_observation", "expected_version": 1, "data": {
        "court": "c", "case_number": "n", "charges": "x", "hearing_date": "2027-02-01T09:00:00Z",
        "proposed_observers": "o"}});
    call_ok(&service, "POST", &transitions, &focal_point, Some(ask)).await;
    let case_uri = format!("/ui/cases/{}", opened["id"].as_str().unwrap());
    db.connect()
        .batch_execute(
            "UPDATE scheduled SET status = 'dead', attempts = 8 WHERE id = (SELECT id FROM scheduled LIMIT 1)",
        )
        .unwrap();
    let page = request(&service, "/ui/admin", &cookies, None).await;
    let retry = action_ending(&page.body, "/retry").unwrap();
    let retried = request(&service, &retry, &cookies, Some(&[("csrf", &csrf)])).await;
    assert_eq!(retried.location.as_deref(), Some("/ui/admin?done=retried"));
    assert_eq!(
        db.count("SELECT count(*) AS count FROM scheduled WHERE status = 'dead'"),
        0
    );

    // Erasure: asked by one admin, who cannot approve it; approved by another.
    let reference = db_reference(&db);
    let asked = request(
        &service,
        "/ui/admin/erasures",
        &cookies,
        Some(&[
            ("csrf", &csrf),
            ("reference", &reference),
            ("reason", "defender_request"),
        ]),
    )
    .await;
    assert_eq!(asked.location.as_deref(), Some("/ui/admin?done=requested"));
    let page = request(&service, "/ui/admin?done=requested", &cookies, None).await;
    assert!(page.body.contains("Another administrator must approve it"));
    let page = request(&service, "/ui/approvals", &cookies, None).await;
    assert!(page.body.contains("waiting for another administrator"));
    // The requester cannot approve it by posting the approval's address either.
    let erasure_id = db_text(&db, "SELECT id::text AS text FROM erasure_requests");
    let own = request(
        &service,
        &format!("/ui/admin/erasures/{erasure_id}/approve"),
        &cookies,
        Some(&[("csrf", &csrf)]),
    )
    .await;
    assert_eq!(own.status, 422);
    assert!(
        own.body
            .contains("You asked for this yourself: another person must decide it."),
        "{}",
        own.body
    );
    assert_eq!(
        db.count("SELECT count(*) AS count FROM cases WHERE erased_at IS NOT NULL"),
        0
    );
    let unknown = request(
        &service,
        "/ui/admin/erasures",
        &cookies,
        Some(&[
            ("csrf", &csrf),
            ("reference", "VG-1999-00001"),
            ("reason", "defender_request"),
        ]),
    )
    .await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("names no case"));

    let page = request(&service, "/ui/approvals", &[(SESSION, &second_session)], None).await;
    assert_eq!(
        nav_count(&page.body, "/ui/approvals").map(|(n, _)| n),
        Some("1"),
        "the erasure waits for the second administrator"
    );
    let approve = action_ending(&page.body, "/approve").unwrap();
    let approved = request(
        &service,
        &approve,
        &[(SESSION, &second_session)],
        Some(&[("csrf", &csrf_of(&page.body))]),
    )
    .await;
    assert_eq!(approved.location.as_deref(), Some("/ui/approvals?done=erased"));
    assert_eq!(
        db.count("SELECT count(*) AS count FROM cases WHERE erased_at IS NOT NULL"),
        1
    );
    let gone = request(&service, &case_uri, &[(SESSION, &fp)], None).await;
    assert_eq!(gone.status, 410);
    assert!(!gone.body.contains("Kamau"));

    // The administrative log names who really acted: the signed-in admin for what was done
    // on this page, the second admin for the approval, the operator (null) for the seeding.
    let (_, log) = crate::support::api::call(&service, "GET", "/api/v1/admin-log?limit=200", &first_admin, None).await;
    let entries = log["items"].as_array().unwrap();
    let acts: Vec<(String, serde_json::Value)> = entries
        .iter()
        .rev()
        .map(|e| (e["act"].as_str().unwrap().to_owned(), e["actor_id"].clone()))
        .collect();
    let first = json!(first_admin_id.to_string());
    let second_id = json!(second_admin_id.to_string());
    let from_page: Vec<(String, serde_json::Value)> =
        acts.iter().filter(|(_, actor)| !actor.is_null()).cloned().collect();
    assert_eq!(
        from_page,
        [
            ("grant_requested".to_owned(), first.clone()),
            ("grant_approved".to_owned(), second_id.clone()),
            ("token_link_sent".to_owned(), second_id.clone()),
            ("token_issued".to_owned(), second_id.clone()),
            ("token_revoked".to_owned(), first.clone()),
            ("token_link_sent".to_owned(), first.clone()),
            ("token_issued".to_owned(), first.clone()),
            ("reminder_retried".to_owned(), first.clone()),
            ("erasure_requested".to_owned(), first.clone()),
            ("erasure_approved".to_owned(), second_id),
        ],
        "{log}"
    );
    // Five users with a token each, and two delegations, from the operator's command line.
    assert_eq!(acts.iter().filter(|(_, actor)| actor.is_null()).count(), 12, "{log}");
    assert!(!shows_a_token(&log.to_string()), "{log}");
    // A head of delegation reads their delegation's acts only; a focal point none.
    let (status, theirs) = crate::support::api::call(&service, "GET", "/api/v1/admin-log", &head, None).await;
    assert_eq!(status, 200, "{theirs}");
    let theirs = theirs["items"].as_array().unwrap();
    assert!(!theirs.is_empty());
    assert!(theirs.iter().all(|e| e["delegation"] == "EUD_KE"), "{theirs:?}");
    let (_, elsewhere) = crate::support::api::call(&service, "GET", "/api/v1/admin-log", &other_head, None).await;
    assert!(
        elsewhere["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["delegation"] == "EUD_UG")
    );
    let (status, _) = crate::support::api::call(&service, "GET", "/api/v1/admin-log", &focal_point, None).await;
    assert_eq!(status, 403);
    // The same log in the web interface, for the admin and the head of delegation alike.
    let log_page = request(&service, "/ui/admin/log", &cookies, None).await;
    assert_eq!(log_page.status, 200);
    assert!(log_page.body.contains("Erasure approved") && log_page.body.contains("the operator (command line)"));
    assert!(log_page.body.contains("ama@example.org"));
    assert!(!shows_a_token(&log_page.body));
    let head_session = sign_in(&service, &head).await;
    let theirs = request(&service, "/ui/admin/log", &[(SESSION, &head_session)], None).await;
    assert_eq!(theirs.status, 200);
    assert!(!theirs.body.contains("EUD_UG"));
    let fp_session = sign_in(&service, &focal_point).await;
    assert_eq!(
        request(&service, "/ui/admin/log", &[(SESSION, &fp_session)], None)
            .await
            .status,
        403
    );
    // Pages follow one another.
    let (_, page_one) =
        crate::support::api::call(&service, "GET", "/api/v1/admin-log?limit=3", &first_admin, None).await;
    let next = page_one["next"].as_str().unwrap().to_owned();
    let (_, page_two) = crate::support::api::call(&service, "GET", &next, &first_admin, None).await;
    assert_eq!(
        page_two["items"][0]["seq"].as_i64().unwrap(),
        page_one["items"][2]["seq"].as_i64().unwrap() - 1
    );
}

/// The one-time token link emailed to `to` (the only email in `outbox` for them, the link
/// spent once): opened, its button pressed, the token read off the page; a second press is
/// refused. Each email is deleted once read.
async fn token_from_link<S, B>(service: &S, outbox: &std::path::Path, to: &str) -> String
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let mut found = Vec::new();
    for entry in std::fs::read_dir(outbox).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path())
            .unwrap()
            .replace("=\r\n", "")
            .replace("=\n", "");
        if text.contains(&format!("To: {to}")) {
            found.push(text);
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
    assert_eq!(found.len(), 1, "one email to {to}");
    let message = &found[0];
    assert!(!shows_a_token(message), "a token was emailed: {message}");
    let marker = "https://vigil.example/ui/sign-in/token/";
    let at = message.find(marker).expect("a token link") + marker.len();
    let secret: String = message[at..].chars().take(64).collect();
    let link = format!("/ui/sign-in/token/{secret}");
    let page = request(service, &link, &[], None).await;
    assert_eq!(page.status, 200);
    let pairing = page.cookie("vigil_sign_in").unwrap();
    let csrf = csrf_of(&page.body);
    let shown = request(service, &link, &[("vigil_sign_in", &pairing)], Some(&[("csrf", &csrf)])).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    let token = shown
        .body
        .split("<code class=\"token\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let again = request(service, &link, &[("vigil_sign_in", &pairing)], Some(&[("csrf", &csrf)])).await;
    assert_eq!(again.status, 403, "a link worked twice");
    assert!(!shows_a_token(&again.body));
    token
}

/// The first form action on `page` ending with `suffix`.
fn action_ending(page: &str, suffix: &str) -> Option<String> {
    page.split("action=\"")
        .filter_map(|s| s.split('"').next())
        .find(|a| a.ends_with(suffix))
        .map(str::to_owned)
}

/// Whether `text` holds something shaped like an API token (`vgl_` and hex digits).
fn shows_a_token(text: &str) -> bool {
    text.match_indices("vgl_")
        .any(|(at, _)| text[at + 4..].chars().next().is_some_and(|c| c.is_ascii_hexdigit()))
}

/// The one text value `sql` selects (as `text`).
fn db_text(db: &TestDb, sql: &str) -> String {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct One {
        #[diesel(sql_type = diesel::sql_types::Text)]
        text: String,
    }
    diesel::sql_query(sql)
        .get_result::<One>(&mut db.connect())
        .unwrap()
        .text
}

fn db_reference(db: &TestDb) -> String {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Reference {
        #[diesel(sql_type = diesel::sql_types::Text)]
        reference: String,
    }
    diesel::sql_query("SELECT reference FROM cases LIMIT 1")
        .get_result::<Reference>(&mut db.connect())
        .unwrap()
        .reference
}

#[actix_web::test]
async fn a_sign_in_link_arrives_by_smtp_works_once_and_says_nothing_about_who_has_an_account() {
    use std::sync::Arc;
    use vigil::mail::Mailer;
    use vigil::mail::Outbox;

    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (user, _) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let email = pool
        .run_blocking(|conn| vigil::store::users::user(conn, user))
        .unwrap()
        .unwrap()
        .email;
    let sink = SmtpSink::start_on(free_address());
    let mut state = state(pool);
    state.mailer = Some(Arc::new(Mailer {
        outbox: Outbox::smtp(&sink.url()).unwrap(),
        from: "vigil@example.org".into(),
        public_url: "https://vigil.example/".into(),
        catalog: Default::default(),
    }));
    let service = web_test::init_service(app(state)).await;

    let form = request(&service, "/ui/sign-in", &[], None).await;
    let pairing = form.cookie("vigil_sign_in").unwrap();
    let csrf = csrf_of(&form.body);
    let ask = |address: &'static str| [("csrf", csrf.clone()), ("email", address.to_owned())];
    let unknown = ask("nobody@example.org");
    let unknown = request(
        &service,
        "/ui/sign-in/link",
        &[("vigil_sign_in", &pairing)],
        Some(&borrowed(&unknown)),
    )
    .await;
    let known: Vec<(&str, String)> = vec![("csrf", csrf.clone()), ("email", email.to_uppercase())];
    let known = request(
        &service,
        "/ui/sign-in/link",
        &[("vigil_sign_in", &pairing)],
        Some(&borrowed(&known)),
    )
    .await;
    assert_eq!((unknown.status, known.status), (200, 200));
    assert_eq!(
        unknown.body, known.body,
        "the same answer whether the address has an account or not"
    );
    assert!(known.cookie(SESSION).is_none());

    let started = std::time::Instant::now();
    while sink.messages().is_empty() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "no email arrived"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "only the user's address gets a link");
    let message = messages[0].replace("=\r\n", "").replace("=\n", "");
    assert!(message.contains(&format!("To: {email}")), "{message}");
    let marker = "https://vigil.example/ui/sign-in/link/";
    let at = message.find(marker).unwrap() + marker.len();
    let secret: String = message[at..].chars().take(64).collect();
    assert!(secret.chars().all(|c| c.is_ascii_hexdigit()), "{secret}");
    assert_eq!(
        db.count("SELECT count(*) AS count FROM sign_in_links WHERE used_at IS NULL"),
        1
    );

    // Opening the address spends nothing; the button does, once.
    let link = format!("/ui/sign-in/link/{secret}");
    let page = request(&service, &link, &[], None).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        db.count("SELECT count(*) AS count FROM sign_in_links WHERE used_at IS NULL"),
        1
    );
    let pairing = page.cookie("vigil_sign_in").unwrap();
    let csrf = csrf_of(&page.body);
    let used = request(
        &service,
        &link,
        &[("vigil_sign_in", &pairing)],
        Some(&[("csrf", &csrf)]),
    )
    .await;
    assert_eq!(used.status, 303);
    let session = used.cookie(SESSION).unwrap();
    assert_eq!(
        request(&service, "/ui/cases", &[(SESSION, &session)], None)
            .await
            .status,
        200
    );
    let again = request(
        &service,
        &link,
        &[("vigil_sign_in", &pairing)],
        Some(&[("csrf", &csrf)]),
    )
    .await;
    assert_eq!(again.status, 401);
    assert!(again.body.contains("expired or was used already"));
    assert!(again.cookie(SESSION).is_none());

    // Asking again and again is limited, per address asked for and per client.
    let mut last = 0;
    for _ in 0..12 {
        last = request(
            &service,
            "/ui/sign-in/link",
            &[("vigil_sign_in", &pairing)],
            Some(&[("csrf", &pairing), ("email", "x@example.org")]),
        )
        .await
        .status;
    }
    assert_eq!(last, 429);
}

#[actix_web::test]
async fn reassigning_offers_the_delegations_active_staff_by_name_and_hands_the_case_over() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, kenya) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (head, _) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let (gone, _) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (uganda, _) = seed_user(&pool, "focal_point", Some("EUD_UG"));
    db.connect()
        .batch_execute(&format!("UPDATE users SET disabled_at = now() WHERE id = '{gone}'"))
        .unwrap();
    let service = web_test::init_service(app(state(pool))).await;
    let session = sign_in(&service, &kenya).await;
    let cookies = [(SESSION, session.as_str())];
    let (opened, _) = opened_case(
        &service,
        &kenya,
        json!({"country": "KE", "themes": ["MEDIA"], "risk": "low",
               "confidential": {"defender_name": "Njeri"}, "procedure": {"workflow": "demarche"}}),
    )
    .await;
    let case_uri = format!("/ui/cases/{}", opened["id"].as_str().unwrap());
    let page = request(&service, &case_uri, &cookies, None).await;
    let form = page
        .body
        .split("details class=\"action\"")
        .find(|d| d.contains("-reassign\""))
        .unwrap();
    assert!(form.contains(&format!("<option value=\"{head}\"")), "{form}");
    assert!(!form.contains(&gone.to_string()), "a disabled user is not offered");
    assert!(!form.contains(&uganda.to_string()), "nor another delegation's");
    let action = form.split("action=\"").nth(1).unwrap().split('"').next().unwrap();
    let workflow_version = form
        .split("name=\"workflow_version\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let head_id = head.to_string();
    let case_id = opened["id"].as_str().unwrap();
    let handed = request(
        &service,
        action,
        &cookies,
        Some(&[
            ("csrf", &csrf_of(&page.body)),
            ("case", case_id),
            ("version", "1"),
            ("workflow", "demarche"),
            ("workflow_version", workflow_version),
            ("data.new_owner", &head_id),
        ]),
    )
    .await;
    assert_eq!(handed.status, 303, "{}", handed.body);
    let page = request(&service, &case_uri, &cookies, None).await;
    let owner = page
        .body
        .split("<dt>Owner</dt><dd>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    assert!(owner.contains("(head of delegation)"), "{owner}");
    db.assert_audit_holds();
}

#[actix_web::test]
async fn my_cases_come_fifty_a_page_with_a_link_to_the_next_that_keeps_the_filters() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, token) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    for n in 0..52 {
        call_ok(
            &service,
            "POST",
            "/api/v1/cases",
            &token,
            Some(
                json!({"country": "KE", "themes": ["MEDIA"], "risk": if n == 0 { "low" } else { "high" },
                "confidential": {"defender_name": format!("Person {n}")}, "procedure": {"workflow": "demarche"}}),
            ),
        )
        .await;
    }
    let session = sign_in(&service, &token).await;
    let cookies = [(SESSION, session.as_str())];
    let rows = |body: &str| body.matches("<th scope=\"row\" data-label=\"Case\">").count();
    let first = request(&service, "/ui/cases?risk=high", &cookies, None).await;
    assert_eq!(rows(&first.body), 50);
    let next = first
        .body
        .split("<a class=\"button\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let next = next.replace("&#38;", "&");
    assert!(next.contains("risk=high") && next.contains("after="), "{next}");
    let second = request(&service, &next, &cookies, None).await;
    assert_eq!(second.status, 200);
    assert_eq!(rows(&second.body), 1, "51 high-risk cases: 50, then 1");
    assert!(!second.body.contains("rel=\"next\""));
}

#[actix_web::test]
async fn needs_me_is_the_home_of_whoever_must_act_and_lists_what_waits_is_overdue_and_due_soon() {
    use crate::support::api::{call_ok, submitted_demarche};
    use crate::support::ui::{request, sign_in};
    let db = TestDb::migrated();
    let pool = vigil::store::Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, hod) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let (_, other_hod) = seed_user(&pool, "head_of_delegation", Some("EUD_UG"));
    let (_, reviewer) = seed_user(&pool, "eusr_reviewer", None);
    let service = actix_web::test::init_service(vigil::http::app(state(pool.clone()))).await;
    // A démarche waits for the head of delegation's approval; a second one is escalated.
    let (waiting, _) = submitted_demarche(&service, &fp, "Needs Confidential", "standard").await;
    let (escalated, transitions) = submitted_demarche(&service, &fp, "Other Confidential", "standard").await;
    let escalate = serde_json::json!({"action": "escalate_to_eusr", "expected_version": 2, "data": {"reason": "Held"}});
    call_ok(&service, "POST", &transitions, &fp, Some(escalate)).await;
    let reference = |case: &serde_json::Value| case["reference"].as_str().unwrap().to_owned();
    // The first démarche's reminder to decide was due yesterday and nothing was decided.
    diesel::RunQueryDsl::execute(
        diesel::sql_query(
            "UPDATE scheduled s SET due_at = now() - interval '1 day' FROM cases c
             WHERE c.id = s.case_id AND c.reference = $1 AND s.message = 'demarche.decision_due'",
        )
        .bind::<diesel::sql_types::Text, _>(reference(&waiting)),
        &mut db.connect(),
    )
    .unwrap();

    let page_of = |token: String| {
        let service = &service;
        async move {
            let session = sign_in(service, &token).await;
            let cookies = [("vigil_session", session.as_str())];
            let home = request(service, "/ui/", &cookies, None).await;
            let page = request(service, "/ui/needs-me", &cookies, None).await;
            assert_eq!(page.status, 200, "{}", page.body);
            (home.location, page.body)
        }
    };
    let (home, body) = page_of(hod.clone()).await;
    assert_eq!(
        home.as_deref(),
        Some("/ui/needs-me"),
        "the head of delegation starts here"
    );
    let waiting_for_hod = section(&body, "waiting");
    assert!(waiting_for_hod.contains(&reference(&waiting)), "{waiting_for_hod}");
    assert!(waiting_for_hod.contains("Awaits your action"), "{waiting_for_hod}");
    let overdue = section(&body, "overdue");
    assert!(
        overdue.contains(&reference(&waiting)) && overdue.contains("Decision due"),
        "{overdue}"
    );
    let soon = section(&body, "soon");
    assert!(
        soon.contains(&reference(&escalated)),
        "the other's decision falls due within days: {soon}"
    );
    assert!(!body.contains("Needs Confidential") && !body.contains("Other Confidential"));
    assert!(body.contains("href=\"/ui/needs-me\""), "in the navigation");
    assert!(
        waiting_for_hod.contains(&reference(&escalated)),
        "the escalated démarche still awaits approval: {waiting_for_hod}"
    );
    assert_eq!(
        nav_count(&body, "/ui/needs-me"),
        Some(("2", "(2 items need you)")),
        "beside the navigation: the two approvals, one of them also overdue, count once each"
    );

    // The EUSR office: the new escalation waits for it; nothing of the delegation's approvals.
    let (home, body) = page_of(reviewer).await;
    assert_eq!(home.as_deref(), Some("/ui/needs-me"));
    let waiting_for_office = section(&body, "waiting");
    assert!(
        waiting_for_office.contains(&reference(&escalated)),
        "{waiting_for_office}"
    );
    assert_eq!(nav_count(&body, "/ui/needs-me").map(|(n, _)| n), Some("1"));
    assert!(
        !waiting_for_office.contains(&reference(&waiting)),
        "{waiting_for_office}"
    );

    // The focal point: nothing waits for them; another delegation's head: nothing at all.
    let (_, body) = page_of(fp).await;
    assert!(
        section(&body, "waiting").contains("Nothing waits for your action."),
        "{body}"
    );
    assert_eq!(
        nav_count(&body, "/ui/needs-me"),
        None,
        "no number when nothing needs them"
    );
    let (_, body) = page_of(other_hod).await;
    assert!(
        !body.contains(&reference(&waiting)) && !body.contains(&reference(&escalated)),
        "{body}"
    );
}

#[actix_web::test]
async fn the_timeline_names_the_delegations_people_and_the_eusr_office_and_no_one_else() {
    use crate::support::api::submitted_demarche;
    use crate::support::ui::{request, sign_in};
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (hod_id, hod) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let (reviewer_id, reviewer) = seed_user(&pool, "eusr_reviewer", None);
    let service = web_test::init_service(app(state(pool.clone()))).await;
    let (opened, transitions) = submitted_demarche(&service, &fp, "Timeline Person", "standard").await;
    let approve = json!({"action": "approve", "expected_version": 2,
                         "data": {"delivery_level": "deputy", "planned_date": "2026-12-20", "needs_hq_clearance": false}});
    call_ok(&service, "POST", &transitions, &hod, Some(approve)).await;
    let escalate = json!({"action": "escalate_to_eusr", "expected_version": 3, "data": {"reason": "Held"}});
    let escalated = call_ok(&service, "POST", &transitions, &fp, Some(escalate)).await;
    let review = format!(
        "/api/v1/procedures/{}/transitions",
        escalated["started"][0]["id"].as_str().unwrap()
    );
    call_ok(
        &service,
        "POST",
        &review,
        &reviewer,
        Some(json!({"action": "acknowledge", "expected_version": 1, "data": {}})),
    )
    .await;
    let email = |id| {
        pool.run_blocking(|conn| vigil::store::users::user(conn, id))
            .unwrap()
            .unwrap()
            .email
    };
    let session = sign_in(&service, &fp).await;
    let cookies = [("vigil_session", session.as_str())];
    let page = request(
        &service,
        &format!("/ui/cases/{}", opened["id"].as_str().unwrap()),
        &cookies,
        None,
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let timeline = &page.body[page.body.find("id=\"timeline\"").unwrap_or(0)..];
    assert!(
        timeline.contains(&format!("by {} (head of delegation)", email(hod_id))),
        "the head of the same delegation is named: {timeline}"
    );
    assert!(
        timeline.contains(&format!("by {} (EUSR office)", email(reviewer_id))),
        "the EUSR office's member is named: {timeline}"
    );
    assert!(timeline.contains("by you"), "{timeline}");
    assert!(!timeline.contains("a colleague"), "{timeline}");
}

#[actix_web::test]
async fn the_review_queue_separates_what_waits_for_the_office_from_what_waits_on_the_delegation() {
    use crate::support::api::submitted_demarche;
    use crate::support::ui::{request, sign_in};
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, reviewer) = seed_user(&pool, "eusr_reviewer", None);
    let service = web_test::init_service(app(state(pool.clone()))).await;
    let mut references = Vec::new();
    let mut reviews = Vec::new();
    for name in ["Queue One", "Queue Two"] {
        let (opened, transitions) = submitted_demarche(&service, &fp, name, "standard").await;
        let escalate = json!({"action": "escalate_to_eusr", "expected_version": 2, "data": {"reason": "Held"}});
        let escalated = call_ok(&service, "POST", &transitions, &fp, Some(escalate)).await;
        references.push(opened["reference"].as_str().unwrap().to_owned());
        reviews.push(format!(
            "/api/v1/procedures/{}/transitions",
            escalated["started"][0]["id"].as_str().unwrap()
        ));
    }
    // The office asks the delegation about the second.
    let ask = json!({"action": "request_info", "expected_version": 1, "data": {"question": "Which court?", "answer_by": "2026-12-30"}});
    call_ok(&service, "POST", &reviews[1], &reviewer, Some(ask)).await;

    let session = sign_in(&service, &reviewer).await;
    let cookies = [("vigil_session", session.as_str())];
    let page = request(&service, "/ui/queues/eusr_review", &cookies, None).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let ours = section(&page.body, "ours");
    let theirs = section(&page.body, "theirs");
    assert!(
        ours.contains(&references[0]) && !ours.contains(&references[1]),
        "{ours}"
    );
    assert!(
        theirs.contains(&references[1]) && !theirs.contains(&references[0]),
        "{theirs}"
    );
    assert!(ours.contains("Delegation EUD_KE"), "delegations by name: {ours}");
    assert!(!page.body.contains("Queue One") && !page.body.contains("Which court"));
    // Filters: the cases are of high risk.
    let low = request(&service, "/ui/queues/eusr_review?risk=low", &cookies, None).await;
    assert!(
        !low.body.contains(&references[0]) && !low.body.contains(&references[1]),
        "{}",
        low.body
    );
    let theirs_only = request(&service, "/ui/queues/eusr_review?delegation=EUD_UG", &cookies, None).await;
    assert!(!theirs_only.body.contains(&references[0]), "{}", theirs_only.body);
}

/// The part of a page from its heading `id` to the end of its section.
/// How many of the page's actions are shown unfolded.
fn unfolded(body: &str) -> usize {
    body.split("<details class=\"action\"")
        .skip(1)
        .filter(|d| d.split('>').next().is_some_and(|tag| tag.ends_with(" open")))
        .count()
}

/// The text of `body` from `start` to the end of that element's list.
fn section_after<'a>(body: &'a str, start: &str) -> &'a str {
    let from = body.split_once(start).map(|(_, rest)| rest).unwrap_or_default();
    from.split("</dl>").next().unwrap_or_default()
}

fn section(body: &str, id: &str) -> String {
    let start = body
        .find(&format!("<h2 id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}: {body}"));
    let rest = &body[start..];
    rest[..rest.find("</section>").unwrap()].to_owned()
}

/// A case page's evidence files: attached with its form (the session's token checked before a
/// byte of the file is read), listed with their SHA-256, downloaded as files; a refused file
/// says why beside the form, keeps nothing and repeats nothing of what was sent; another
/// delegation reaches none of it.
#[actix_web::test]
async fn evidence_files_are_attached_from_the_case_page_listed_with_their_hash_and_downloaded() {
    use crate::support::ui::post_multipart;
    use sha2::Digest;
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, kenya) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, uganda) = seed_user(&pool, "focal_point", Some("EUD_UG"));
    let mut small = state(pool);
    small.uploads = std::sync::Arc::new(vigil::http::attachments::Uploads::new(
        vigil::cases::attachments::Limits {
            max_bytes: 4096,
            quota_bytes: 1024 * 1024,
        },
        2,
    ));
    let service = web_test::init_service(app(small)).await;
    let own = sign_in(&service, &kenya).await;
    let case_uri = open_demarche(&service, &own, "KE", "Otieno").await;
    let page = request(&service, &case_uri, &[(SESSION, &own)], None).await;
    assert!(page.body.contains("No files attached."), "{}", page.body);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    let csrf = csrf_of(&page.body);
    let procedure = page
        .body
        .split("id=\"p-")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let attach_uri = format!("{case_uri}/attachments");
    let count = || db.count("SELECT count(*) AS count FROM attachments");

    // Without the session's token first, nothing is read.
    let notes = b"%PDF-1.7\nNotes of the hearing: the defender was present.".to_vec();
    for parts in [
        vec![
            ("file", Some("Hearing notes.pdf"), &notes[..]),
            ("csrf", None, csrf.as_bytes()),
        ],
        vec![
            ("csrf", None, &b"not-the-token"[..]),
            ("file", Some("Hearing notes.pdf"), &notes[..]),
        ],
    ] {
        let refused = post_multipart(&service, &attach_uri, &[(SESSION, &own)], &parts).await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        assert!(!refused.body.contains("Hearing notes"));
    }
    assert_eq!(count(), 0);

    // Attached: the page says so with its SHA-256, and lists it.
    let sha256: String = sha2::Sha256::digest(&notes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let attached = post_multipart(
        &service,
        &attach_uri,
        &[(SESSION, &own)],
        &[
            ("csrf", None, csrf.as_bytes()),
            ("procedure", None, procedure.as_bytes()),
            ("file", Some("Hearing notes.pdf"), &notes),
        ],
    )
    .await;
    assert_eq!(attached.status, 303, "{}", attached.body);
    let back = attached.location.unwrap();
    assert!(back.starts_with(&format!("{case_uri}?attached=")), "{back}");
    assert!(back.ends_with("#attached"));
    let page = request(&service, &back, &[(SESSION, &own)], None).await;
    assert!(
        page.body
            .contains(&format!("Attached Hearing notes.pdf (SHA-256 {sha256}).")),
        "{}",
        page.body
    );
    let files = section(&page.body, "evidence");
    assert!(files.contains(&format!("<code class=\"hash\">{sha256}</code>")));
    assert!(files.contains("application/pdf"));
    assert!(files.contains("Démarche"), "{files}");
    assert!(files.contains("by you"));
    let link = files
        .split("href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert!(link.starts_with(&format!("{case_uri}/attachments/")));

    // Downloaded as a file, never a page, and recorded.
    let reads = || db.count("SELECT count(*) AS count FROM access_log WHERE what = 'attachment'");
    let file = request(&service, &link, &[(SESSION, &own)], None).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.body.as_bytes(), &notes[..]);
    assert_eq!(file.header("x-vigil-sha256"), Some(sha256.as_str()));
    assert_eq!(file.header("content-type"), Some("application/octet-stream"));
    assert_eq!(
        file.header("content-security-policy"),
        Some("default-src 'none'; sandbox")
    );
    assert!(file.header("content-disposition").unwrap().starts_with("attachment"));
    assert!(
        file.header("content-disposition")
            .unwrap()
            .contains("Hearing notes.pdf")
    );
    assert_eq!(reads(), 1);

    // Too large, or no file chosen: said beside the form; nothing kept, nothing repeated.
    let big = vec![b'x'; 5000];
    for (parts, status, why) in [
        (
            vec![
                ("csrf", None, csrf.as_bytes()),
                ("file", Some("Safehouse-address.txt"), &big[..]),
            ],
            413,
            "the file is larger than the 4096 bytes allowed",
        ),
        (
            vec![("csrf", None, csrf.as_bytes()), ("file", Some(""), &b""[..])],
            422,
            "The file&#39;s name must be given",
        ),
    ] {
        let refused = post_multipart(&service, &attach_uri, &[(SESSION, &own)], &parts).await;
        assert_eq!(refused.status, status, "{}", refused.body);
        let problem = section(&refused.body, "evidence");
        assert!(problem.contains("The file was not attached:"), "{problem}");
        assert!(problem.contains(why), "{problem}");
        assert!(problem.contains("role=\"alert\""));
        assert!(!refused.body.contains("Safehouse"));
    }
    assert_eq!(count(), 1);

    // Another delegation: no file, no form, no download.
    let other = sign_in(&service, &uganda).await;
    let other_csrf = csrf_of(
        &request(&service, "/ui/cases/new", &[(SESSION, &other)], None)
            .await
            .body,
    );
    let theirs = request(&service, &link, &[(SESSION, &other)], None).await;
    assert_eq!(theirs.status, 404);
    assert!(!theirs.body.contains("Hearing notes"));
    let pushed = post_multipart(
        &service,
        &attach_uri,
        &[(SESSION, &other)],
        &[
            ("csrf", None, other_csrf.as_bytes()),
            ("file", Some("planted.pdf"), &notes),
        ],
    )
    .await;
    assert_eq!(pushed.status, 404, "{}", pushed.body);
    assert_eq!(count(), 1);
    assert_eq!(reads(), 1);
    // A file tied to a procedure leaves the case's chain and projections whole.
    db.assert_audit_holds();
}

/// No typed work is lost: a note sent after 31 idle minutes is kept, sealed (no plaintext in
/// the database, its stored size the same for a short note and a long one, the key in the
/// browser's cookie alone), and signing in again returns to the case page with the note in its
/// form, once, never sent by itself; sending it then adds it. Someone else signing in on that
/// browser never sees it and it is gone; a form without the ended session's token (another
/// site's) or without its cookie keeps nothing; signing out drops what was kept.
#[actix_web::test]
async fn a_form_sent_after_its_session_ended_is_kept_across_signing_in_again() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, token) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, colleague) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    let session = sign_in(&service, &token).await;
    let new = request(&service, "/ui/cases/new", &[(SESSION, &session)], None).await;
    let opened = request(
        &service,
        "/ui/cases",
        &[(SESSION, &session)],
        Some(&[
            ("csrf", &csrf_of(&new.body)),
            ("country", "KE"),
            ("themes", "LAWYERS"),
            ("risk", "high"),
            ("workflow", "trial_observation"),
            ("defender_name", "Wanjiru Kamau"),
        ]),
    )
    .await;
    let case_uri = opened.location.unwrap();
    let case_id = case_uri.trim_start_matches("/ui/cases/").to_owned();
    let page = request(&service, &case_uri, &[(SESSION, &session)], None).await;
    let action = action_ending(&page.body, "/actions/add_note").unwrap();
    let workflow_version = page
        .body
        .split("name=\"workflow_version\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let idle = || {
        db.connect()
            .batch_execute("UPDATE web_sessions SET last_seen_at = now() - interval '31 minutes'")
            .unwrap()
    };
    let drafts = || db.count("SELECT count(*) AS count FROM form_drafts");
    let note_form = |csrf: &str, note: &str| -> Vec<(String, String)> {
        [
            ("csrf", csrf),
            ("case", case_id.as_str()),
            ("version", "1"),
            ("workflow", "trial_observation"),
            ("workflow_version", workflow_version.as_str()),
            ("data.note", note),
        ]
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
    };
    let send = |cookies: Vec<(&'static str, String)>, form: Vec<(String, String)>| {
        let service = &service;
        let action = action.clone();
        async move {
            let cookies: Vec<(&str, &str)> = cookies.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            request(service, &action, &cookies, Some(&form)).await
        }
    };
    let old_csrf = csrf_of(&page.body);
    const NOTE: &str = "Seen at court; the hearing moved to Friday.";

    // The session ends; the note sent then is kept, and the browser is sent to sign in again.
    idle();
    let sent = send(vec![(SESSION, session.clone())], note_form(&old_csrf, NOTE)).await;
    assert_eq!((sent.status, sent.location.as_deref()), (303, Some("/ui/sign-in")));
    let kept = sent.cookie("vigil_kept").expect("the kept form's cookie");
    let line = sent.set_cookies.iter().find(|l| l.starts_with("vigil_kept=")).unwrap();
    assert!(
        line.contains("HttpOnly") && line.contains("SameSite=Strict") && line.contains("Path=/ui"),
        "{line}"
    );
    assert!(!kept.contains("Seen"));
    assert_eq!(drafts(), 1);
    assert_eq!(
        db.count("SELECT count(*) AS count FROM form_drafts WHERE position(convert_to('Seen at court', 'UTF8') in sealed) > 0"),
        0
    );
    let short_size = db.count("SELECT octet_length(sealed)::bigint AS count FROM form_drafts");
    let held = [("vigil_kept", kept.as_str())];
    let sign_in_page = request(&service, "/ui/sign-in", &held, None).await;
    assert!(
        sign_in_page.body.contains("What you typed is kept"),
        "{}",
        sign_in_page.body
    );

    // Signed in again, the browser returns to the case page with the note in the form, unsent.
    let (again, led_to) = sign_in_holding(&service, &token, &held).await;
    assert_eq!(led_to, "/ui/kept");
    let back = request(&service, "/ui/kept", &[(SESSION, &again), ("vigil_kept", &kept)], None).await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert!(back.body.contains("What you typed is kept below"), "{}", back.body);
    assert!(back.body.contains(NOTE), "{}", back.body);
    assert!(back.body.contains("-add_note\" open>"), "the kept form is unfolded");
    assert_eq!(drafts(), 0, "taken once");
    let removed = |a: &crate::support::ui::Answer| {
        a.set_cookies
            .iter()
            .any(|l| l.starts_with("vigil_kept=") && l.contains("Max-Age=0"))
    };
    assert!(removed(&back), "{:?}", back.set_cookies);
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) AS count FROM case_events WHERE case_id = '{case_id}' AND action = 'add_note'"
        )),
        0,
        "a kept form is never sent by itself"
    );
    let twice = request(&service, "/ui/kept", &[(SESSION, &again), ("vigil_kept", &kept)], None).await;
    assert_eq!((twice.status, twice.location.as_deref()), (303, Some("/ui/")));
    assert!(!twice.body.contains("Seen at court"));
    // Sent from the kept form, with the new session's token, the note is added.
    let new_csrf = csrf_of(&back.body);
    assert_ne!(new_csrf, old_csrf);
    let added = send(vec![(SESSION, again.clone())], note_form(&new_csrf, NOTE)).await;
    assert_eq!(added.status, 303, "{}", added.body);
    assert!(added.location.unwrap().contains("done=add_note"));

    // A note 600 characters longer is stored as large as the short one was, but for the random
    // "grease" stanza age may add to a header (up to about 250 bytes): unpadded, the two would
    // differ by at least 350.
    idle();
    let long = "Long note. ".repeat(60);
    let sent = send(vec![(SESSION, again.clone())], note_form(&new_csrf, &long)).await;
    let kept = sent.cookie("vigil_kept").unwrap();
    let long_size = db.count("SELECT octet_length(sealed)::bigint AS count FROM form_drafts");
    assert!(
        (long_size - short_size).abs() < 300,
        "{short_size} and {long_size} bytes"
    );
    // Someone else signing in on that browser does not see it, and it is gone.
    let (theirs, led_to) = sign_in_holding(&service, &colleague, &[("vigil_kept", &kept)]).await;
    assert_eq!(led_to, "/ui/kept");
    let not_theirs = request(&service, "/ui/kept", &[(SESSION, &theirs), ("vigil_kept", &kept)], None).await;
    assert_eq!((not_theirs.status, not_theirs.location.as_deref()), (303, Some("/ui/")));
    assert!(!not_theirs.body.contains("Long note"));
    assert_eq!(drafts(), 0);

    // Another site's form (no token of the ended session) or no ended session: nothing kept.
    idle();
    let forged = send(vec![(SESSION, theirs.clone())], note_form("not-the-token", NOTE)).await;
    assert_eq!((forged.status, forged.location.as_deref()), (303, Some("/ui/sign-in")));
    assert!(forged.cookie("vigil_kept").is_none());
    let cookieless = send(vec![], note_form(&new_csrf, NOTE)).await;
    assert!(cookieless.cookie("vigil_kept").is_none());
    assert_eq!(drafts(), 0);

    // Signing out drops what was kept.
    let (fresh, _) = sign_in_holding(&service, &token, &[]).await;
    let fresh_page = request(&service, &case_uri, &[(SESSION, &fresh)], None).await;
    let fresh_csrf = csrf_of(&fresh_page.body);
    idle();
    let sent = send(vec![(SESSION, fresh.clone())], note_form(&fresh_csrf, NOTE)).await;
    let kept = sent.cookie("vigil_kept").unwrap();
    assert_eq!(drafts(), 1);
    let (signed, _) = sign_in_holding(&service, &token, &[("vigil_kept", &kept)]).await;
    let any_page = request(&service, "/ui/cases", &[(SESSION, &signed)], None).await;
    let out = request(
        &service,
        "/ui/sign-out",
        &[(SESSION, &signed), ("vigil_kept", &kept)],
        Some(&[("csrf", &csrf_of(&any_page.body))]),
    )
    .await;
    assert_eq!(out.status, 303);
    assert!(removed(&out), "{:?}", out.set_cookies);
    assert_eq!(drafts(), 0);

    // The form that opens a case is kept the same way, and comes back filled in, unsent.
    let (fresh, _) = sign_in_holding(&service, &token, &[]).await;
    let new = request(&service, "/ui/cases/new", &[(SESSION, &fresh)], None).await;
    idle();
    let sent = request(
        &service,
        "/ui/cases",
        &[(SESSION, &fresh)],
        Some(&[
            ("csrf", &csrf_of(&new.body)),
            ("country", "KE"),
            ("risk", "high"),
            ("workflow", "demarche"),
            ("defender_name", "Achieng Njeri"),
            ("narrative", "Detained at the border."),
        ]),
    )
    .await;
    let kept = sent.cookie("vigil_kept").expect("the new case's form kept");
    let (signed, _) = sign_in_holding(&service, &token, &[("vigil_kept", &kept)]).await;
    let back = request(&service, "/ui/kept", &[(SESSION, &signed), ("vigil_kept", &kept)], None).await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert!(back.body.contains("value=\"Achieng Njeri\"") && back.body.contains("Detained at the border."));
    assert_eq!(db.count("SELECT count(*) AS count FROM cases"), 1);

    // A note kept for a step that has moved on meanwhile (the procedure closed through the API)
    // comes back shown on the case page, not lost with the form that is no longer offered.
    let (fresh, _) = sign_in_holding(&service, &token, &[]).await;
    let page = request(&service, &case_uri, &[(SESSION, &fresh)], None).await;
    idle();
    let sent = send(
        vec![(SESSION, fresh.clone())],
        note_form(&csrf_of(&page.body), "A note for a closed step"),
    )
    .await;
    let kept = sent.cookie("vigil_kept").unwrap();
    let procedure = action.split('/').nth(3).unwrap();
    call_ok(
        &service,
        "POST",
        &format!("/api/v1/procedures/{procedure}/transitions"),
        &token,
        Some(json!({"action": "close", "expected_version": 2, "data": {"outcome": "withdrawn_at_defender_request"}})),
    )
    .await;
    let (signed, _) = sign_in_holding(&service, &token, &[("vigil_kept", &kept)]).await;
    let back = request(&service, "/ui/kept", &[(SESSION, &signed), ("vigil_kept", &kept)], None).await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert!(back.body.contains("This step has moved on meanwhile"), "{}", back.body);
    assert!(back.body.contains("<dd>A note for a closed step</dd>"), "{}", back.body);
    assert!(!back.body.contains("Go to the form"));
}

/// A delegation's holidays, from its page: an administrator imports an iCalendar file (a ten-day
/// break starting tomorrow, and a yearly holiday), adds and removes a date, each change on the
/// administrative log; a refused file is said without repeating it; the delegation's focal point
/// reads them and may change nothing; and a standard démarche submitted then has its head of
/// delegation's reminder five working days out counted past the break, as the calendar counts.
#[actix_web::test]
async fn holidays_imported_on_their_page_push_working_day_deadlines_past_them() {
    use crate::support::ui::post_multipart;
    use chrono::{Datelike, Duration as Days, Utc};
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, admin) = seed_user(&pool, "admin", None);
    let service = web_test::init_service(app(state(pool))).await;
    let today = Utc::now().with_timezone(&chrono_tz::Europe::Brussels).date_naive();
    let (start, end) = (today + Days::days(1), today + Days::days(11));
    let ics = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n\
         BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:{}\r\nDTEND;VALUE=DATE:{}\r\nSUMMARY:Office closed\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:b\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:{}0601\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:Madaraka Day\r\nEND:VEVENT\r\n\
         END:VCALENDAR\r\n",
        start.format("%Y%m%d"),
        end.format("%Y%m%d"),
        today.year() - 3,
    );

    let session = sign_in(&service, &admin).await;
    let cookies = [(SESSION, session.as_str())];
    let page = request(&service, "/ui/holidays?delegation=EUD_KE", &cookies, None).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("No holiday is set."));
    let csrf = csrf_of(&page.body);
    let imported = post_multipart(
        &service,
        "/ui/holidays/EUD_KE/import",
        &cookies,
        &[
            ("csrf", None, csrf.as_bytes()),
            ("file", Some("kenya.ics"), ics.as_bytes()),
        ],
    )
    .await;
    assert_eq!(imported.status, 303, "{}", imported.body);
    let shown = request(&service, imported.location.as_deref().unwrap(), &cookies, None).await;
    // Ten days of the break, and Madaraka Day of last year, this year and the next five.
    let days = db.count("SELECT count(*) AS count FROM delegation_holidays WHERE delegation = 'EUD_KE'");
    let yearly = db.count("SELECT count(*) AS count FROM delegation_holidays WHERE name = 'Madaraka Day'");
    assert_eq!(days - yearly, 10);
    assert!((6..=7).contains(&yearly), "{yearly}");
    assert!(shown.body.contains(&format!("Saved: {days} added")), "{}", shown.body);
    assert!(shown.body.contains("Office closed") && shown.body.contains("Madaraka Day"));
    // A date added and another removed by hand.
    let added = request(
        &service,
        "/ui/holidays/EUD_KE",
        &cookies,
        Some(&[("csrf", &csrf), ("day", "2031-12-12"), ("name", "Jamhuri Day")]),
    )
    .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let removed = request(
        &service,
        "/ui/holidays/EUD_KE/remove",
        &cookies,
        Some(&[("csrf", &csrf), ("day", "2031-12-12")]),
    )
    .await;
    assert_eq!(removed.status, 303, "{}", removed.body);
    assert_eq!(
        db.count("SELECT count(*) AS count FROM admin_log WHERE act = 'holidays_changed' AND delegation = 'EUD_KE'"),
        3
    );
    // A file that is no calendar is refused on the page, its content not repeated.
    let refused = post_multipart(
        &service,
        "/ui/holidays/EUD_KE/import",
        &cookies,
        &[
            ("csrf", None, csrf.as_bytes()),
            ("file", Some("x.ics"), b"SECRET-CONTENT"),
        ],
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("is not an iCalendar (.ics) file") && !refused.body.contains("SECRET-CONTENT"));

    // The focal point reads their delegation's holidays and may change none.
    let fp_session = sign_in(&service, &fp).await;
    let fp_cookies = [(SESSION, fp_session.as_str())];
    let theirs = request(&service, "/ui/holidays?delegation=EUD_UG", &fp_cookies, None).await;
    assert!(theirs.body.contains("Office closed"), "their own, whatever was asked");
    assert!(!theirs.body.contains("/ui/holidays/EUD_KE/remove") && !theirs.body.contains("Import a calendar"));
    let tried = request(
        &service,
        "/ui/holidays/EUD_KE",
        &fp_cookies,
        Some(&[
            ("csrf", &csrf_of(&theirs.body)),
            ("day", "2031-12-12"),
            ("name", "Mine"),
        ]),
    )
    .await;
    assert_eq!(tried.status, 403);

    // The head of delegation's reminder, five working days after submitting, skips the break.
    let before = Utc::now();
    let (opened, _) = crate::support::api::submitted_demarche(&service, &fp, "Wanjiru Kamau", "standard").await;
    let after = Utc::now();
    let due: chrono::DateTime<Utc> = diesel::sql_query(format!(
        "SELECT due_at FROM scheduled WHERE case_id = '{}' AND kind = 'reminder' AND message = 'demarche.decision_due'",
        opened["id"].as_str().unwrap()
    ))
    .get_result::<Due>(&mut db.connect())
    .unwrap()
    .due_at;
    let calendar = vigil::workflow::Calendar {
        time_zone: chrono_tz::Europe::Brussels,
        holidays: diesel::sql_query("SELECT day FROM delegation_holidays WHERE delegation = 'EUD_KE'")
            .load::<Day>(&mut db.connect())
            .unwrap()
            .into_iter()
            .map(|d| d.day)
            .collect(),
        ..vigil::workflow::Calendar::default()
    };
    let five = vigil::workflow::Duration::WorkingDays(5);
    let forward = vigil::workflow::Direction::Forward;
    assert!(
        calendar.shift(before, five, forward) <= due && due <= calendar.shift(after, five, forward),
        "due {due}"
    );
    assert!(
        due.with_timezone(&chrono_tz::Europe::Brussels).date_naive() > end,
        "past the break: {due}"
    );
}

/// A change of holidays moves what is already scheduled: when the next working day becomes a
/// holiday, an urgent démarche's reminder to its head of delegation (one working day out) and
/// its escalation timer (two out) fall a working day later, the hand-off due at once stays, the
/// page and the administrative log say how many moved; removing the holiday moves them back.
#[actix_web::test]
async fn a_holiday_added_later_moves_the_reminders_and_timers_already_scheduled() {
    use chrono::{Duration as Days, Utc};
    use vigil::workflow::{Calendar, Direction, Duration};
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (fp_id, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, admin) = seed_user(&pool, "admin", None);
    let service = web_test::init_service(app(state(pool))).await;
    let (opened, _) = crate::support::api::submitted_demarche(&service, &fp, "Wanjiru Kamau", "urgent").await;
    let pending = || {
        diesel::sql_query(format!(
            "SELECT kind, message, created_at, due_at, overdue_from FROM scheduled
             WHERE case_id = '{}' AND status = 'pending' ORDER BY kind, message, position",
            opened["id"].as_str().unwrap()
        ))
        .load::<Pending>(&mut db.connect())
        .unwrap()
    };
    let first = pending();
    let kinds: Vec<(&str, Option<&str>)> = first.iter().map(|p| (p.kind.as_str(), p.message.as_deref())).collect();
    assert_eq!(
        kinds,
        [
            ("reminder", Some("demarche.decision_due")),
            ("reminder", Some("handoff")),
            ("timer", None)
        ]
    );
    let brussels = Calendar {
        time_zone: chrono_tz::Europe::Brussels,
        ..Calendar::default()
    };
    let today = Utc::now().with_timezone(&brussels.time_zone).date_naive();
    let holiday = (1..8)
        .map(|n| today + Days::days(n))
        .find(|day| brussels.is_working_day(*day))
        .unwrap();

    let session = sign_in(&service, &admin).await;
    let cookies = [(SESSION, session.as_str())];
    let page = request(&service, "/ui/holidays?delegation=EUD_KE", &cookies, None).await;
    let csrf = csrf_of(&page.body);
    let day = holiday.to_string();
    let added = request(
        &service,
        "/ui/holidays/EUD_KE",
        &cookies,
        Some(&[("csrf", &csrf), ("day", &day), ("name", "Office closed")]),
    )
    .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let shown = request(&service, added.location.as_deref().unwrap(), &cookies, None).await;
    assert!(
        shown
            .body
            .contains("2 reminders and timers already scheduled now fall due at another time."),
        "{}",
        shown.body
    );
    let with_holiday = Calendar {
        holidays: [holiday].into(),
        ..brussels.clone()
    };
    let moved = pending();
    let by = |days| Duration::WorkingDays(days);
    assert_eq!(
        moved[0].due_at,
        with_holiday.shift(moved[0].created_at, by(1), Direction::Forward)
    );
    assert_eq!(
        moved[2].due_at,
        with_holiday.shift(moved[2].created_at, by(2), Direction::Forward)
    );
    assert_eq!(moved[1].due_at, first[1].due_at, "the hand-off stays due at once");
    for (now, then) in [(&moved[0], &first[0]), (&moved[2], &first[2])] {
        assert!(
            now.due_at > then.due_at && now.overdue_from.is_none(),
            "{now:?} {then:?}"
        );
    }
    assert_eq!(
        db.count("SELECT count(*) AS count FROM admin_log WHERE act = 'holidays_changed' AND detail->>'moved' = '2'"),
        1
    );

    // The case page lists them as they now fall, in its reader's language.
    db.connect()
        .batch_execute(&format!("UPDATE users SET language = 'fr' WHERE id = '{fp_id}'"))
        .unwrap();
    let fp_session = sign_in(&service, &fp).await;
    let case_page = request(
        &service,
        &format!("/ui/cases/{}", opened["id"].as_str().unwrap()),
        &[(SESSION, fp_session.as_str())],
        None,
    )
    .await;
    assert!(
        case_page.body.contains("Rappel : Décision attendue"),
        "{}",
        case_page.body
    );

    let removed = request(
        &service,
        "/ui/holidays/EUD_KE/remove",
        &cookies,
        Some(&[("csrf", &csrf), ("day", &day)]),
    )
    .await;
    assert_eq!(removed.status, 303, "{}", removed.body);
    let back: Vec<_> = pending().iter().map(|p| p.due_at).collect();
    assert_eq!(back, first.iter().map(|p| p.due_at).collect::<Vec<_>>());
}

/// A change of holidays and a transition of one of the delegation's cases, at the same time,
/// both land: the change locks the cases before their scheduled rows, as a transition does, so
/// neither holds what the other waits for (PostgreSQL would abort one as a deadlock).
#[actix_web::test]
async fn a_change_of_holidays_waits_for_a_transition_under_way_and_both_land() {
    use chrono::{Duration as Days, Utc};
    use vigil::cases::holidays::{HolidayChange, apply};
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    let (opened, _) = crate::support::api::submitted_demarche(&service, &fp, "Wanjiru Kamau", "urgent").await;
    let case = opened["id"].as_str().unwrap().to_owned();

    // A transition under way: its case locked, then (after the change has begun) its scheduled
    // rows cancelled, as `cases::transition` does.
    let mut transition = db.connect();
    transition
        .batch_execute(&format!("BEGIN; SELECT id FROM cases WHERE id = '{case}' FOR UPDATE"))
        .unwrap();
    let url = db.url.clone();
    let change = std::thread::spawn(move || {
        let pool = Db::connect_lazily(&url, 1).unwrap();
        let registry = crate::support::app::shipped_workflows();
        // The next working day: what the démarche's reminder and timer count over, so the change
        // moves them (and refreshes their case's next due time).
        let brussels = vigil::workflow::Calendar {
            time_zone: chrono_tz::Europe::Brussels,
            ..vigil::workflow::Calendar::default()
        };
        let today = Utc::now().with_timezone(&brussels.time_zone).date_naive();
        let holiday = vigil::store::holidays::HolidayRow {
            day: (1..8)
                .map(|n| today + Days::days(n))
                .find(|day| brussels.is_working_day(*day))
                .unwrap(),
            name: "Office closed".into(),
        };
        pool.run_blocking(|conn| {
            Ok(apply(
                conn,
                &registry,
                None,
                &vigil::domain::DelegationCode::new("EUD_KE"),
                HolidayChange::Put {
                    holidays: vec![holiday],
                    source: "cli",
                },
                Utc::now(),
            ))
        })
        .unwrap()
    });
    std::thread::sleep(std::time::Duration::from_millis(500));
    transition
        .batch_execute(&format!(
            "UPDATE scheduled SET status = 'cancelled' WHERE case_id = '{case}' AND kind = 'timer'; COMMIT"
        ))
        .unwrap();
    let changed = change.join().unwrap().unwrap();
    assert_eq!(
        (changed.added, changed.moved),
        (1, 1),
        "the reminder moved, the timer was cancelled"
    );
    assert_eq!(
        db.count("SELECT count(*) AS count FROM delegation_holidays WHERE name = 'Office closed'"),
        1
    );
}

#[derive(Debug, diesel::QueryableByName)]
struct Pending {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    message: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    created_at: chrono::DateTime<chrono::Utc>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    due_at: chrono::DateTime<chrono::Utc>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    overdue_from: Option<chrono::DateTime<chrono::Utc>>,
}

/// `form` without the pairs named `name`.
fn complete_but<'a>(name: &str, form: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    form.iter().filter(|(n, _)| *n != name).copied().collect()
}

#[derive(diesel::QueryableByName)]
struct Due {
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    due_at: chrono::DateTime<chrono::Utc>,
}

#[derive(diesel::QueryableByName)]
struct Day {
    #[diesel(sql_type = diesel::sql_types::Date)]
    day: chrono::NaiveDate,
}

/// A user's own settings page: until they choose a language, signed-in pages follow the
/// browser's; they choose Spanish (pages in Spanish whatever the browser asks, recorded in the
/// administrative log as their own act), a time zone and the daily digest; a value not offered
/// is refused without being repeated and changes nothing; a form without the session's token is
/// refused; choosing "my browser's language" again follows the browser.
#[actix_web::test]
async fn a_user_sets_their_language_time_zone_and_digest_and_the_browser_counts_until_then() {
    use crate::support::ui::request_speaking;
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (user, token) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    let session = sign_in(&service, &token).await;
    let cookies = [(SESSION, session.as_str())];
    let settings = |row: &str| {
        diesel::sql_query(format!(
            "SELECT coalesce(language, '-') || ' ' || coalesce(time_zone, '-') || ' ' || digest::text AS text FROM users WHERE id = '{user}'"
        ))
        .get_result::<Text>(&mut db.connect())
        .map(|t| assert_eq!(t.text, row))
        .unwrap()
    };
    settings("- - false");
    let french = request_speaking(&service, "/ui/needs-me", &cookies, "fr-FR,fr;q=0.9").await;
    assert!(french.body.contains("<h1>À traiter</h1>"), "{}", french.body);
    let page = request_speaking(&service, "/ui/settings", &cookies, "fr").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<h1>Mes réglages</h1>"));
    assert!(
        page.body
            .contains("<option value=\"\" selected>La langue de mon navigateur (actuellement Français)</option>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<option value=\"es\" lang=\"es\">Español</option>"));
    assert!(
        page.body
            .contains("<option value=\"\" selected>Celui de ma délégation (Europe/Brussels)</option>")
    );
    assert!(
        page.body
            .contains("<option value=\"Africa/Nairobi\">Africa/Nairobi</option>")
    );
    assert!(page.body.contains("<a href=\"/ui/settings\">Mes réglages</a>"));
    let csrf = csrf_of(&page.body);

    let saved = request(
        &service,
        "/ui/settings",
        &cookies,
        Some(&[
            ("csrf", &csrf),
            ("language", "es"),
            ("time_zone", "Africa/Nairobi"),
            ("digest", "on"),
        ]),
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(saved.location.as_deref(), Some("/ui/settings?saved=true"));
    settings("es Africa/Nairobi true");
    let shown = request_speaking(&service, "/ui/settings?saved=true", &cookies, "fr").await;
    assert!(
        shown.body.contains("<h1>Mi configuración</h1>") && shown.body.contains("Su configuración está guardada."),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("<option value=\"Africa/Nairobi\" selected>"));
    assert!(
        shown
            .body
            .contains("id=\"s-digest\" name=\"digest\" value=\"on\" checked")
    );
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) AS count FROM admin_log WHERE act = 'preferences_changed' AND actor_id = '{user}' AND subject_id = '{user}'"
        )),
        1
    );

    // A value no list offers is refused, not repeated, and nothing changes; so is a form without
    // the session's token.
    let refused = request(
        &service,
        "/ui/settings",
        &cookies,
        Some(&[("csrf", &csrf), ("language", "es"), ("time_zone", "SECRET/Zone")]),
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("Elija un idioma y una zona horaria de las listas.")
            && !refused.body.contains("SECRET")
    );
    let forged = request(&service, "/ui/settings", &cookies, Some(&[("language", "fr")])).await;
    assert_eq!(forged.status, 403);
    settings("es Africa/Nairobi true");

    // Back to the browser's language and the delegation's zone, one email per reminder.
    let back = request(
        &service,
        "/ui/settings",
        &cookies,
        Some(&[("csrf", &csrf), ("language", ""), ("time_zone", "")]),
    )
    .await;
    assert_eq!(back.status, 303, "{}", back.body);
    settings("- - false");
    let english = request_speaking(&service, "/ui/needs-me", &cookies, "en-GB").await;
    assert!(english.body.contains("<h1>Needs me</h1>"));
    let spanish = request_speaking(&service, "/ui/needs-me", &cookies, "es").await;
    assert!(spanish.body.contains("<html lang=\"es\">"));
}

#[derive(diesel::QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    text: String,
}

/// The pages speak the user's language setting, else the browser's: the sign-in page in
/// Spanish for a browser that asks for it, "Needs me" and the navigation in French for a user
/// whose setting is French (whatever the browser asks), English otherwise.
#[actix_web::test]
async fn pages_speak_the_users_language_else_the_browsers() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (french, token) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let (_, english) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    let page_in = |accept: &'static str| {
        let service = &service;
        async move {
            let request = web_test::TestRequest::get()
                .uri("/ui/sign-in")
                .insert_header(("Accept-Language", accept))
                .to_request();
            let response = web_test::call_service(service, request).await;
            String::from_utf8(web_test::read_body(response).await.to_vec()).unwrap()
        }
    };
    let spanish = page_in("es-ES,es;q=0.9,en;q=0.5").await;
    assert!(
        spanish.contains("<html lang=\"es\">") && spanish.contains("<h1>Iniciar sesión</h1>"),
        "{spanish}"
    );
    let german = page_in("de-DE").await;
    assert!(german.contains("<html lang=\"en\">") && german.contains("<h1>Sign in</h1>"));
    // An error page before any session speaks the browser's language too.
    let unpaired = web_test::TestRequest::post()
        .uri("/ui/sign-in/token/x")
        .insert_header(("Accept-Language", "es"))
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload("csrf=forged")
        .to_request();
    let response = web_test::call_service(&service, unpaired).await;
    assert_eq!(response.status(), 403);
    let body = String::from_utf8(web_test::read_body(response).await.to_vec()).unwrap();
    assert!(
        body.contains("<html lang=\"es\">") && body.contains("<h1>Acceso denegado</h1>"),
        "{body}"
    );

    db.connect()
        .batch_execute(&format!("UPDATE users SET language = 'fr' WHERE id = '{french}'"))
        .unwrap();
    let session = sign_in(&service, &token).await;
    let needs = request(&service, "/ui/needs-me", &[(SESSION, &session)], None).await;
    assert_eq!(needs.status, 200, "{}", needs.body);
    assert!(needs.body.contains("<html lang=\"fr\">") && needs.body.contains("<h1>À traiter</h1>"));
    assert!(needs.body.contains("Rien n&#39;attend votre action.") && needs.body.contains("Se déconnecter"));
    assert!(needs.body.contains("(chef de délégation)"));
    let cases = request(&service, "/ui/cases?whose=all", &[(SESSION, &session)], None).await;
    assert!(cases.body.contains("<html lang=\"fr\">") && cases.body.contains("<h1>Mes dossiers</h1>"));
    assert!(cases.body.contains("Aucun dossier ne correspond.") && cases.body.contains(">Journalistes et médias<"));
    let form = request(&service, "/ui/cases/new", &[(SESSION, &session)], None).await;
    assert!(form.body.contains("<html lang=\"fr\">") && form.body.contains("<h1>Ouvrir un dossier</h1>"));
    // What the workflows declare, in French too.
    assert!(form.body.contains(">Observation de procès</option>"), "{}", form.body);
    assert!(cases.body.contains(">Audience repérée</option>"), "{}", cases.body);
    assert!(
        form.body
            .contains(">Première procédure <span class=\"required\" aria-label=\"obligatoire\">*</span><")
    );
    let approvals = request(&service, "/ui/approvals", &[(SESSION, &session)], None).await;
    assert!(
        approvals.body.contains("<h1>Approbations</h1>")
            && approvals.body.contains("Aucun droit n&#39;attend de décision.")
    );
    // An error page too speaks the user's language.
    let missing = request(
        &service,
        "/ui/cases/00000000-0000-0000-0000-000000000000",
        &[(SESSION, &session)],
        None,
    )
    .await;
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("<html lang=\"fr\">")
            && missing.body.contains("<h1>Introuvable</h1>")
            && missing.body.contains("Retour à Vigil")
            && missing
                .body
                .contains("Il n&#39;y a rien ici, ou rien que vous puissiez voir."),
        "{}",
        missing.body
    );
    let forbidden = request(&service, "/ui/admin", &[(SESSION, &session)], None).await;
    assert_eq!(forbidden.status, 403);
    assert!(
        forbidden.body.contains("Cette page est réservée aux administrateurs."),
        "{}",
        forbidden.body
    );
    let holidays = request(&service, "/ui/holidays", &[(SESSION, &session)], None).await;
    assert!(
        holidays.body.contains("<html lang=\"fr\">") && holidays.body.contains("Aucun jour férié n&#39;est défini.")
    );
    let reports = request(&service, "/ui/reports", &[(SESSION, &session)], None).await;
    assert!(
        reports.body.contains("<h1>Rapports</h1>") && reports.body.contains("<caption>Dossiers par Pays."),
        "{}",
        reports.body
    );
    // The workflows reference page: what each declares, in French.
    let workflows = request(&service, "/ui/workflows", &[(SESSION, &session)], None).await;
    assert!(workflows.body.contains("<html lang=\"fr\">") && workflows.body.contains("<h1>Procédures</h1>"));
    for said in [
        "L&#39;observation du procès d&#39;un défenseur",
        "Rappel : Décision attendue ; destinataires : le chef de délégation ; 5 jours ouvrés après l&#39;entrée dans l&#39;étape",
        "Minuterie : après 2 jours ouvrés, Transmettre automatiquement (délai dépassé)",
        "Automate : Observation de procès",
        "<title>Demander l&#39;approbation d&#39;observer (point focal)",
    ] {
        assert!(workflows.body.contains(said), "{said}: {}", workflows.body);
    }
    assert!(!workflows.body.contains("hover an arrow") && !workflows.body.contains("5wd"));
    let other = sign_in(&service, &english).await;
    let needs = request(&service, "/ui/needs-me", &[(SESSION, &other)], None).await;
    assert!(needs.body.contains("<h1>Needs me</h1>") && needs.body.contains("Nothing waits for your action."));
}
