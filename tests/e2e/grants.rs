//! Grants under the four-eyes rule, through the API, against the real PostgreSQL and a real
//! SMTP server: a grant does nothing before a second person approves it and everything after;
//! nobody decides their own request or their own grant, by any path; the heads concerned are
//! emailed, with no secret and nothing of any case; the administrative log names who acted.

use actix_web::test as web_test;
use diesel::connection::SimpleConnection;
use serde_json::{Value, json};
use vigil::http::app;
use vigil::store::Db;

use crate::support::TestDb;
use crate::support::api::{call, call_ok, opened_case, post_with_key};
use crate::support::app::{seed_user, state};
use crate::support::process::free_address;
use crate::support::smtp::SmtpSink;
use crate::support::ui::{csrf_of, request};

fn email_of(pool: &Db, id: vigil::domain::UserId) -> String {
    pool.run_blocking(|conn| vigil::store::users::user(conn, id))
        .unwrap()
        .unwrap()
        .email
}

/// The messages the sink received for `to`, soft line breaks of quoted-printable undone.
fn mails_to(sink: &SmtpSink, to: &str) -> Vec<String> {
    sink.messages()
        .into_iter()
        .map(|m| m.replace("=\r\n", "").replace("=\n", ""))
        .filter(|m| m.contains(&format!("To: {to}")))
        .collect()
}

/// Waits for the sink to hold `n` messages for `to` (it writes them as they arrive).
fn wait_for_mails(sink: &SmtpSink, to: &str, n: usize) -> Vec<String> {
    for _ in 0..100 {
        let found = mails_to(sink, to);
        if found.len() >= n {
            return found;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    mails_to(sink, to)
}

fn shows_a_token(text: &str) -> bool {
    text.match_indices("vgl_")
        .any(|(at, _)| text[at + 4..].chars().next().is_some_and(|c| c.is_ascii_hexdigit()))
}

fn mailer(sink: &SmtpSink) -> Option<std::sync::Arc<vigil::mail::Mailer>> {
    Some(std::sync::Arc::new(vigil::mail::Mailer {
        outbox: vigil::mail::Outbox::smtp(&sink.url()).unwrap(),
        from: "vigil@example.org".into(),
        public_url: "https://vigil.example/".into(),
        catalog: Default::default(),
    }))
}

#[actix_web::test]
async fn a_focal_point_asked_for_reaches_no_case_until_the_head_of_its_delegation_approves() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, admin) = seed_user(&pool, "admin", None);
    let (_, other_admin) = seed_user(&pool, "admin", None);
    let (head_id, head) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let (other_head_id, other_head) = seed_user(&pool, "head_of_delegation", Some("EUD_UG"));
    let (_, focal_point) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (head_email, other_head_email) = (email_of(&pool, head_id), email_of(&pool, other_head_id));
    // The head of EUD_KE reads French; notices are worded for each reader.
    db.connect()
        .batch_execute(&format!("UPDATE users SET language = 'fr' WHERE id = '{head_id}'"))
        .unwrap();
    let sink = SmtpSink::start_on(free_address());
    let mut state = state(pool.clone());
    state.mailer = mailer(&sink);
    let service = web_test::init_service(app(state)).await;
    let (opened, _) = opened_case(
        &service,
        &focal_point,
        json!({"country": "KE", "themes": ["MEDIA"], "risk": "high",
               "confidential": {"defender_name": "Wanjiru Secret"}, "procedure": {"workflow": "demarche"}}),
    )
    .await;

    // Only an administrator asks; a focal point, a head of delegation cannot.
    let ask = json!({"kind": "new_user", "email": "newcomer@example.org", "role": "focal_point",
                     "delegation": "eud_ke", "name": "Newcomer"});
    for someone in [&focal_point, &head] {
        let (status, _) = call(&service, "POST", "/api/v1/grant-requests", someone, Some(ask.clone())).await;
        assert_eq!(status, 403);
    }
    let (status, asked) = call(&service, "POST", "/api/v1/grant-requests", &admin, Some(ask.clone())).await;
    assert_eq!(status, 202, "{asked}");
    assert_eq!(asked["approver"], "head_of_delegation");
    assert_eq!(asked["delegation"], "EUD_KE");
    let request_id = asked["request_id"].as_str().unwrap().to_owned();
    // Twice for the same person: refused while the first waits.
    let (status, _) = call(&service, "POST", "/api/v1/grant-requests", &admin, Some(ask)).await;
    assert_eq!(status, 403);

    // Nothing changed: no user, no link, and the head of EUD_KE (only) was told.
    assert_eq!(
        db.count("SELECT count(*) AS count FROM users WHERE email = 'newcomer@example.org'"),
        0
    );
    let told = wait_for_mails(&sink, &head_email, 1);
    assert_eq!(
        told.len(),
        1,
        "the head of the delegation concerned is told of the request"
    );
    assert!(
        told[0].contains("newcomer@example.org comme point focal de EUD_KE") && !told[0].contains("head of delegation"),
        "{}",
        told[0]
    );
    assert!(
        mails_to(&sink, &other_head_email).is_empty(),
        "another delegation's head was told"
    );
    assert!(mails_to(&sink, "newcomer@example.org").is_empty());

    // Listed for those who may see it; only the head of EUD_KE may decide it.
    let listed = call_ok(&service, "GET", "/api/v1/grant-requests", &head, None).await;
    assert_eq!(listed["items"][0]["id"], request_id.as_str());
    assert_eq!(listed["items"][0]["may_decide"], true);
    let listed = call_ok(&service, "GET", "/api/v1/grant-requests", &admin, None).await;
    assert_eq!(listed["items"][0]["may_decide"], false);
    let listed = call_ok(&service, "GET", "/api/v1/grant-requests", &other_head, None).await;
    assert_eq!(
        listed["items"],
        json!([]),
        "another delegation's requests are not theirs to see"
    );
    let (status, _) = call(&service, "GET", "/api/v1/grant-requests", &focal_point, None).await;
    assert_eq!(status, 403);

    // The requester, another admin, another delegation's head and a focal point are refused.
    let approve = format!("/api/v1/grant-requests/{request_id}/approve");
    let refusals = [
        (&admin, "you asked for this yourself"),
        (&other_admin, "head of delegation EUD_KE"),
        (&other_head, "head of delegation EUD_KE"),
        (&focal_point, "head of delegation EUD_KE"),
    ];
    for (someone, why) in refusals {
        let (status, problem) = call(&service, "POST", &approve, someone, None).await;
        assert_eq!(status, 403, "{problem}");
        assert!(problem["detail"].as_str().unwrap().contains(why), "{problem}");
    }
    assert_eq!(
        db.count("SELECT count(*) AS count FROM users WHERE email = 'newcomer@example.org'"),
        0
    );

    // The head approves: the user exists, and only they are emailed the link to their token.
    let (status, decided) = call(&service, "POST", &approve, &head, None).await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["decision"], "approved");
    assert!(!shows_a_token(&decided.to_string()));
    let (status, _) = call(&service, "POST", &approve, &head, None).await;
    assert_eq!(status, 403, "a decision is made once");
    let link_mail = wait_for_mails(&sink, "newcomer@example.org", 1);
    assert_eq!(link_mail.len(), 1);
    let marker = "https://vigil.example/ui/sign-in/token/";
    let at = link_mail[0].find(marker).expect("a token link") + marker.len();
    let secret: String = link_mail[0][at..].chars().take(64).collect();
    let link = format!("/ui/sign-in/token/{secret}");
    let page = request(&service, &link, &[], None).await;
    let pairing = page.cookie("vigil_sign_in").unwrap();
    let shown = request(
        &service,
        &link,
        &[("vigil_sign_in", &pairing)],
        Some(&[("csrf", &csrf_of(&page.body))]),
    )
    .await;
    let token = shown
        .body
        .split("<code class=\"token\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let cases = call_ok(&service, "GET", "/api/v1/cases", &token, None).await;
    assert_eq!(
        cases["items"][0]["id"], opened["id"],
        "the approved grant reaches the delegation's cases"
    );

    // No email of the whole exchange carries a token or anything of the case.
    let everything = sink.messages().join("\n");
    assert!(!shows_a_token(&everything));
    assert!(!everything.contains("Wanjiru") && !everything.contains("Secret"));
    assert_eq!(
        wait_for_mails(&sink, &head_email, 2).len(),
        2,
        "the head is told of the approval"
    );

    // The log names who asked and who approved, and its chain holds.
    let log = call_ok(&service, "GET", "/api/v1/admin-log?limit=10", &head, None).await;
    let acts: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["act"].as_str().unwrap())
        .collect();
    assert_eq!(
        acts[..4],
        ["token_issued", "token_link_sent", "grant_approved", "grant_requested"],
        "{log}"
    );
    assert_eq!(log["items"][2]["actor_id"], head_id.to_string());
    let (broken, _) = vigil::store::admin_log::verify(&mut db.connect()).unwrap();
    assert_eq!(broken, None);
}

#[actix_web::test]
async fn changes_of_role_re_enabling_and_erasure_wait_for_a_second_admin_who_is_neither_requester_nor_subject() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, admin) = seed_user(&pool, "admin", None);
    let (second_id, second) = seed_user(&pool, "admin", None);
    let (_, third) = seed_user(&pool, "admin", None);
    let (head_id, head) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let (focal_id, focal_point) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let head_email = email_of(&pool, head_id);
    let sink = SmtpSink::start_on(free_address());
    let mut state = state(pool.clone());
    state.mailer = mailer(&sink);
    let service = web_test::init_service(app(state)).await;
    let me = |token: &str| {
        let token = token.to_owned();
        let service = &service;
        async move { call_ok(service, "GET", "/api/v1/me", &token, None).await }
    };

    // A focal point made head of delegation: a second admin's to approve, not the head's.
    let ask = json!({"kind": "change", "user_id": focal_id, "role": "head_of_delegation", "delegation": "EUD_KE"});
    let asked = call_ok(&service, "POST", "/api/v1/grant-requests", &admin, Some(ask)).await;
    assert_eq!(asked["approver"], "admin");
    let id = asked["request_id"].as_str().unwrap().to_owned();
    assert_eq!(
        me(&focal_point).await["role"],
        "focal_point",
        "nothing changes before approval"
    );
    for someone in [&admin, &head, &focal_point] {
        let (status, _) = call(
            &service,
            "POST",
            &format!("/api/v1/grant-requests/{id}/approve"),
            someone,
            None,
        )
        .await;
        assert_eq!(status, 403);
    }
    call_ok(
        &service,
        "POST",
        &format!("/api/v1/grant-requests/{id}/approve"),
        &second,
        None,
    )
    .await;
    assert_eq!(me(&focal_point).await["role"], "head_of_delegation");

    // A grant for an admin is never theirs to decide, even when someone else asked.
    let ask = json!({"kind": "change", "user_id": second_id, "role": "eusr_reviewer"});
    let asked = call_ok(&service, "POST", "/api/v1/grant-requests", &admin, Some(ask)).await;
    let id = asked["request_id"].as_str().unwrap().to_owned();
    let (status, problem) = call(
        &service,
        "POST",
        &format!("/api/v1/grant-requests/{id}/approve"),
        &second,
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert!(problem["detail"].as_str().unwrap().contains("about you"), "{problem}");
    // A third admin refuses it: nothing changes.
    let refused = call_ok(
        &service,
        "POST",
        &format!("/api/v1/grant-requests/{id}/refuse"),
        &third,
        None,
    )
    .await;
    assert_eq!(refused["decision"], "refused");
    assert_eq!(me(&second).await["role"], "admin");

    // Disabled, then asked to be enabled again: out until a second admin approves.
    vigil::commands::disable_user(&pool, &email_of(&pool, focal_id), None).unwrap();
    let ask = json!({"kind": "re_enable", "user_id": focal_id});
    let asked = call_ok(&service, "POST", "/api/v1/grant-requests", &admin, Some(ask)).await;
    let id = asked["request_id"].as_str().unwrap().to_owned();
    let (status, _) = call(&service, "GET", "/api/v1/me", &focal_point, None).await;
    assert_eq!(status, 401);
    call_ok(
        &service,
        "POST",
        &format!("/api/v1/grant-requests/{id}/approve"),
        &second,
        None,
    )
    .await;
    let (status, _) = call(&service, "GET", "/api/v1/me", &focal_point, None).await;
    assert_eq!(status, 200);

    // Bad asks name the field and quote nothing.
    let bad = json!({"kind": "new_user", "email": "not an address", "role": "overlord", "delegation": "EUD_ZZ"});
    let (status, problem) = call(&service, "POST", "/api/v1/grant-requests", &admin, Some(bad)).await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "role"], "{problem}");
    assert!(!problem.to_string().contains("overlord") && !problem.to_string().contains("not an address"));
    let (status, _) = call(
        &service,
        "POST",
        "/api/v1/grant-requests",
        &admin,
        Some(json!({"kind": "re_enable", "user_id": focal_id, "approved_by": second_id})),
    )
    .await;
    assert_eq!(status, 400, "a body naming an approver is no request at all");

    // A delegation with no head yet: its focal points are a second admin's to approve.
    vigil::commands::add_delegation(&pool, "EUD_UG", "Uganda", Some("UG"), "Africa/Kampala", "sat,sun").unwrap();
    let ask = json!({"kind": "new_user", "email": "first@example.org", "role": "focal_point", "delegation": "EUD_UG"});
    let asked = call_ok(&service, "POST", "/api/v1/grant-requests", &admin, Some(ask)).await;
    assert_eq!(asked["approver"], "admin");

    // Erasure on the same rule: the requester cannot approve it; the heads hear of it by reference.
    let (opened, _) = opened_case(
        &service,
        &focal_point,
        json!({"country": "KE", "themes": ["MEDIA"], "risk": "high",
               "confidential": {"defender_name": "Otieno Secret"}, "procedure": {"workflow": "demarche"}}),
    )
    .await;
    let case = opened["id"].as_str().unwrap();
    let asked: Value = call_ok(
        &service,
        "POST",
        &format!("/api/v1/cases/{case}/erasure"),
        &admin,
        Some(json!({"reason": "defender_request"})),
    )
    .await;
    let erasure = asked["request_id"].as_str().unwrap().to_owned();
    let pending = call_ok(&service, "GET", "/api/v1/erasure-requests", &admin, None).await;
    assert_eq!(pending["items"][0]["may_decide"], false);
    let pending = call_ok(&service, "GET", "/api/v1/erasure-requests", &second, None).await;
    assert_eq!(pending["items"][0]["may_decide"], true);
    let approve = format!("/api/v1/erasure-requests/{erasure}/approve");
    let (status, problem) = call(&service, "POST", &approve, &admin, None).await;
    assert_eq!(status, 403);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("you asked for this yourself")
    );
    let (status, _) = call(&service, "POST", &approve, &focal_point, None).await;
    assert_eq!(status, 403);
    call_ok(&service, "POST", &approve, &second, None).await;
    let reference = opened["reference"].as_str().unwrap();
    let everything = sink.messages().join("\n");
    assert!(everything.contains(&format!("Erasure requested: {reference}")));
    assert!(everything.contains(&format!("Case erased: {reference}")));
    assert!(!everything.contains("Otieno") && !shows_a_token(&everything));
    let to_head = mails_to(&sink, &head_email);
    assert!(to_head.iter().any(|m| m.contains(&format!("Case erased: {reference}"))));
    let (broken, _) = vigil::store::admin_log::verify(&mut db.connect()).unwrap();
    assert_eq!(broken, None);
    db.assert_audit_holds();
}

#[actix_web::test]
async fn retried_grant_requests_and_decisions_get_the_first_answer_even_when_they_race() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 8).unwrap();
    let (_, admin) = seed_user(&pool, "admin", None);
    let (_, second) = seed_user(&pool, "admin", None);
    let (focal_id, _) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    let ask = json!({"kind": "change", "user_id": focal_id, "role": "eusr_reviewer"});
    let asks = "/api/v1/grant-requests";
    // Four identical asks at once: one request, one answer, given to all four.
    let (a, b, c, d) = tokio::join!(
        post_with_key(&service, asks, &admin, "ask-1", ask.clone()),
        post_with_key(&service, asks, &admin, "ask-1", ask.clone()),
        post_with_key(&service, asks, &admin, "ask-1", ask.clone()),
        post_with_key(&service, asks, &admin, "ask-1", ask.clone()),
    );
    for (status, _, answer) in [&a, &b, &c, &d] {
        assert_eq!(*status, 202, "{answer}");
        assert_eq!(*answer, a.2);
    }
    assert_eq!(db.count("SELECT count(*) AS count FROM grant_requests"), 1);
    // The same key with another body is refused, also while the first is recorded.
    let other = json!({"kind": "change", "user_id": focal_id, "role": "admin"});
    let (status, _, _) = post_with_key(&service, asks, &admin, "ask-1", other).await;
    assert_eq!(status, 422);
    // Four approvals at once by the second admin: decided once, the same answer to each.
    let approve = format!("/api/v1/grant-requests/{}/approve", a.2["request_id"].as_str().unwrap());
    let (a, b, c, d) = tokio::join!(
        post_with_key(&service, &approve, &second, "yes-1", json!({})),
        post_with_key(&service, &approve, &second, "yes-1", json!({})),
        post_with_key(&service, &approve, &second, "yes-1", json!({})),
        post_with_key(&service, &approve, &second, "yes-1", json!({})),
    );
    for (status, _, answer) in [&a, &b, &c, &d] {
        assert_eq!(*status, 200, "{answer}");
        assert_eq!(*answer, a.2);
    }
    assert_eq!(
        db.count("SELECT count(*) AS count FROM admin_log WHERE act = 'grant_approved'"),
        1
    );
    // Without a key, a second approval is told the request was decided.
    let (status, _) = call(&service, "POST", &approve, &second, None).await;
    assert_eq!(status, 403);
}
