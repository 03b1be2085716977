//! Timers: due ones fire as the system through the engine, once, whatever the number of workers.

use actix_web::test as web_test;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use vigil::http::app;
use vigil::reminders::timers;
use vigil::store::Db;

use crate::support::TestDb;
use crate::support::api::{call_ok as call, opened_case};
use crate::support::app::{seed_user, state};

#[actix_web::test]
async fn an_access_denied_timer_escalates_once_as_the_system_even_with_two_workers() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 6).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, hod) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let app_state = state(pool.clone());
    let (workflows, keys) = (app_state.workflows.clone(), app_state.keys.clone());
    let service = web_test::init_service(app(app_state)).await;
    let (opened, transitions) = opened_case(
        &service,
        &fp,
        json!({
            "country": "KE", "themes": ["LAWYERS"], "risk": "high",
            "confidential": {"defender_name": "Timer Person"}, "procedure": {"workflow": "trial_observation"}
        }),
    )
    .await;
    let case_uri = format!("/api/v1/cases/{}", opened["id"].as_str().unwrap());
    let steps = crate::support::api::to_refused_access(&fp, &hod);
    for (token, body) in steps {
        call(&service, "POST", &transitions, token, Some(body)).await;
    }

    // Nothing is due yet.
    assert_eq!(timers::fire_due(&pool, &workflows, &keys, Utc::now()).unwrap().fired, 0);
    // Two weeks on, two workers at once: the escalation happens once.
    let later = Utc::now() + Duration::days(14);
    let passes: Vec<_> = (0..2)
        .map(|_| {
            let (pool, workflows, keys) = (pool.clone(), workflows.clone(), keys.clone());
            std::thread::spawn(move || timers::fire_due(&pool, &workflows, &keys, later).unwrap())
        })
        .collect();
    let fired: usize = passes.into_iter().map(|p| p.join().unwrap().fired).sum();
    assert_eq!(fired, 1);
    assert_eq!(timers::fire_due(&pool, &workflows, &keys, later).unwrap().fired, 0);

    let case = call(&service, "GET", &case_uri, &fp, None).await;
    let workflows_now: Vec<&str> = case["procedures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["workflow"].as_str().unwrap())
        .collect();
    assert_eq!(workflows_now, ["trial_observation", "eusr_review"]);
    let timeline = call(&service, "GET", &format!("{case_uri}/timeline"), &fp, None).await;
    let escalation = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "auto_escalate")
        .unwrap();
    assert_eq!(escalation["actor_kind"], "system");
    assert_eq!(escalation["actor_id"], Value::Null);
    db.assert_audit_holds();
}

#[actix_web::test]
async fn leaving_the_state_cancels_its_timer() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, hod) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let app_state = state(pool.clone());
    let (workflows, keys) = (app_state.workflows.clone(), app_state.keys.clone());
    let service = web_test::init_service(app(app_state)).await;
    let (_, transitions) = opened_case(
        &service,
        &fp,
        json!({
            "country": "KE", "themes": ["MEDIA"], "risk": "critical",
            "confidential": {"defender_name": "Urgent Person"}, "procedure": {"workflow": "demarche"}
        }),
    )
    .await;
    call(
        &service,
        "POST",
        &transitions,
        &fp,
        Some(json!({"action": "submit", "expected_version": 1, "data": {
        "demarche_type": "confidential_oral", "urgency": "urgent", "addressee": "MFA", "key_messages": "release",
        "public_element_consent": false}})),
    )
    .await;
    call(
        &service,
        "POST",
        &transitions,
        &hod,
        Some(json!({"action": "approve", "expected_version": 2, "data": {
        "delivery_level": "head_of_delegation", "planned_date": "2026-12-01", "needs_hq_clearance": false}})),
    )
    .await;
    let pass = timers::fire_due(&pool, &workflows, &keys, Utc::now() + Duration::days(30)).unwrap();
    assert_eq!(
        pass,
        timers::Pass::default(),
        "a timer of a state the procedure left fired"
    );
}
