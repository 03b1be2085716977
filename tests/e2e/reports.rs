//! Reports for the annual report: counts from plain metadata only, scoped, recorded, and never
//! a figure that tells fewer than five cases apart: not directly, not from the totals, not by
//! subtracting a report whose filters differ by one value.

use std::sync::Arc;

use actix_web::test as web_test;
use serde_json::{Value, json};
use vigil::http::app;
use vigil::store::Db;

use crate::support::TestDb;
use crate::support::api::{call, open_case as open};
use crate::support::app::{seed_user, state};

/// The count a report's cell shows, the cell named by its values (`[]`: the grand total); None
/// when suppressed. Panics when there is no such cell.
fn cell(report: &Value, values: &[(&str, &str)]) -> Option<u64> {
    let wanted: serde_json::Map<String, Value> = values.iter().map(|(k, v)| ((*k).into(), json!(v))).collect();
    let found = report["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["values"].as_object() == Some(&wanted))
        .unwrap_or_else(|| panic!("no cell {values:?} in {report}"));
    found["count"].as_u64()
}

#[actix_web::test]
async fn reports_suppress_what_a_naive_table_would_reveal_by_totals_and_by_differencing() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp_ke) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, fp_ug) = seed_user(&pool, "focal_point", Some("EUD_UG"));
    let (_, hod_ke) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let (_, eusr) = seed_user(&pool, "eusr_reviewer", None);
    let (hq_id, hq) = seed_user(&pool, "hq_analyst", None);
    let (_, admin) = seed_user(&pool, "admin", None);
    let service = web_test::init_service(app(state(pool.clone()))).await;

    // Kenya's delegation: 12 cases of defenders in Kenya on media freedom, and one defender in
    // Tanzania on LGBTI rights; Uganda's: 9 in Uganda on media freedom.
    for _ in 0..12 {
        open(&service, &fp_ke, "KE", "MEDIA").await;
    }
    open(&service, &fp_ke, "TZ", "LGBTI").await;
    for _ in 0..9 {
        open(&service, &fp_ug, "UG", "MEDIA").await;
    }

    // By country: a naive table (KE 12, UG 9, TZ 1, total 22) names the Tanzanian defender's
    // count, and TZ = 22 − 12 − 9 would give it from the others. Neither survives.
    let (status, by_country) = call(&service, "GET", "/api/v1/reports/cases?by=country", &hq, None).await;
    assert_eq!(status, 200, "{by_country}");
    assert_eq!(cell(&by_country, &[("country", "TZ")]), None);
    assert_eq!(cell(&by_country, &[("country", "UG")]), None, "secondary suppression");
    assert_eq!(cell(&by_country, &[("country", "KE")]), Some(12));
    assert_eq!(cell(&by_country, &[]), Some(22));
    let tz = by_country["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["values"]["country"] == "TZ")
        .unwrap();
    assert_eq!(tz["suppressed"], "small");
    assert_eq!(by_country["min_count"], 5);

    // Filtered to media freedom, a naive total (21) subtracted from the unfiltered one (22)
    // gives the one case on another theme. That total, and the cell it would come from, are
    // suppressed for it.
    let (status, media) = call(
        &service,
        "GET",
        "/api/v1/reports/cases?by=country&theme=MEDIA",
        &hq,
        None,
    )
    .await;
    assert_eq!(status, 200, "{media}");
    assert_eq!(
        cell(&media, &[]),
        None,
        "the total would differ from the unfiltered one by 1"
    );
    assert_eq!(
        cell(&media, &[("country", "KE")]),
        Some(12),
        "KE has no case on another theme"
    );
    let total = media["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["values"] == json!({}))
        .unwrap();
    assert_eq!(total["suppressed"], "differencing");
    // The period a month shorter cannot be subtracted either: every case is this month's, so
    // any period ending here has all of them in its last month.
    let this_month = chrono::Utc::now().format("%Y-%m").to_string();
    let (status, month) = call(
        &service,
        "GET",
        &format!("/api/v1/reports/cases?from={this_month}&to={this_month}&by=country"),
        &hq,
        None,
    )
    .await;
    assert_eq!(status, 200, "{month}");
    assert_eq!(cell(&month, &[("country", "KE")]), Some(12));

    // Two dimensions, and the EUSR office sees the same.
    let (status, two) = call(&service, "GET", "/api/v1/reports/cases?by=country,theme", &eusr, None).await;
    assert_eq!(status, 200, "{two}");
    assert_eq!(cell(&two, &[("country", "TZ"), ("theme", "LGBTI")]), None);
    assert_eq!(cell(&two, &[("country", "KE"), ("theme", "MEDIA")]), Some(12));
    // The procedures report: by workflow and where each stands.
    let (status, procedures) = call(&service, "GET", "/api/v1/reports/procedures?by=workflow", &hq, None).await;
    assert_eq!(status, 200, "{procedures}");
    assert_eq!(cell(&procedures, &[("workflow", "protection_referral")]), Some(22));
    let (status, regions) = call(&service, "GET", "/api/v1/reports/cases?by=region", &hq, None).await;
    assert_eq!(status, 200, "{regions}");
    assert_eq!(cell(&regions, &[("region", "Africa")]), Some(22));

    // A head of delegation: their own delegation's figures only.
    let (status, own) = call(&service, "GET", "/api/v1/reports/cases?by=country", &hod_ke, None).await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(cell(&own, &[]), Some(13));
    assert_eq!(cell(&own, &[("country", "TZ")]), None);
    assert_eq!(
        cell(&own, &[("country", "KE")]),
        None,
        "secondary: 13 − 12 would give TZ"
    );
    assert_eq!(
        call(
            &service,
            "GET",
            "/api/v1/reports/cases?delegation=EUD_UG",
            &hod_ke,
            None
        )
        .await
        .0,
        403
    );
    assert_eq!(
        call(
            &service,
            "GET",
            "/api/v1/reports/cases?delegation=EUD_KE",
            &hod_ke,
            None
        )
        .await
        .0,
        200
    );
    // Nobody else; and headquarters reaches no case, not even a list.
    for token in [&fp_ke, &admin] {
        assert_eq!(call(&service, "GET", "/api/v1/reports/cases", token, None).await.0, 403);
    }
    assert_eq!(call(&service, "GET", "/api/v1/cases", &hq, None).await.0, 403);
    let (_, listed) = call(&service, "GET", "/api/v1/cases", &fp_ke, None).await;
    let some_case = listed["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        call(&service, "GET", &format!("/api/v1/cases/{some_case}"), &hq, None)
            .await
            .0,
        404
    );

    // Bad input: 404 or 422 naming what is allowed, never repeating what was sent.
    assert_eq!(
        call(&service, "GET", "/api/v1/reports/nonsense", &hq, None).await.0,
        404
    );
    for (query, field) in [
        ("by=Secret-Name", "by"),
        ("Secret-Name=1", "query"),
        ("country=Secret-Name", "country"),
        ("from=2026-06&to=2026-01", "to"),
        ("from=2020-01&to=2026-12", "to"),
        ("from=Secret-Name", "from"),
        ("by=country&country=KE", "country"),
        ("by=workflow", "by"),
        ("by=country,theme,risk", "by"),
        ("format=Secret-Name", "format"),
    ] {
        let (status, problem) = call(&service, "GET", &format!("/api/v1/reports/cases?{query}"), &hq, None).await;
        assert_eq!(status, 422, "{query}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
        assert!(!problem.to_string().contains("Secret-Name"), "{query}: {problem}");
    }

    // CSV, RFC 4180.
    let request = web_test::TestRequest::get()
        .uri("/api/v1/reports/cases?by=country&format=csv")
        .insert_header(("Authorization", format!("Bearer {hq}")))
        .to_request();
    let response = web_test::call_service(&service, request).await;
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = String::from_utf8(web_test::read_body(response).await.to_vec()).unwrap();
    assert!(body.starts_with("country,count,suppressed\r\n"), "{body}");
    assert!(
        body.contains("KE,12,\r\n") && body.contains("TZ,,small\r\n") && body.contains("Total,22,\r\n"),
        "{body}"
    );

    // Every run is recorded: who, which report, with what; never a figure.
    let runs = db.count(&format!(
        "SELECT count(*) AS count FROM report_runs WHERE user_id = '{hq_id}'"
    ));
    assert!(runs >= 6, "{runs}");
    assert_eq!(
        db.count(
            "SELECT count(*) AS count FROM report_runs
             WHERE parameters - 'from' - 'to' - 'by' - 'filters' - 'scope' <> '{}'::jsonb"
        ),
        0,
        "a run records its parameters and nothing else"
    );
}

#[actix_web::test]
async fn a_report_needs_no_case_key_and_reads_nothing_sealed() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, hq) = seed_user(&pool, "hq_analyst", None);
    let service = web_test::init_service(app(state(pool.clone()))).await;
    for _ in 0..6 {
        open(&service, &fp, "KE", "MEDIA").await;
    }
    // A role that may read the plain columns only: no case key, no sealed column, no blind
    // index. A report run through it works; anything sealed it touched would be refused.
    let role = format!("report_reader_{}", uuid::Uuid::new_v4().simple());
    let mut conn = db.connect();
    let grants = [
        format!("CREATE ROLE {role} LOGIN"),
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
        // `figures`: what the case's procedures are (workflow, step, plain outcome code, month),
        // kept with the case row; the procedures themselves are not read at all.
        format!("GRANT SELECT (id, delegation, country, themes, risk, created_at, figures) ON cases TO {role}"),
        format!("GRANT INSERT ON report_runs TO {role}"),
        format!("GRANT USAGE ON SEQUENCE report_runs_id_seq TO {role}"),
        // What every request reads to know its caller.
        format!("GRANT SELECT ON users, api_tokens, delegations TO {role}"),
    ];
    for statement in &grants {
        diesel::RunQueryDsl::execute(diesel::sql_query(statement), &mut conn).unwrap();
    }
    let narrow = Db::connect_lazily(&db.url.with_user(&role), 2).unwrap();
    let mut narrow_state = crate::support::app::bare_state(narrow);
    // And a keyring that opens nothing: no case key could be used even if one were read.
    let stranger = vigil::crypto::Keyring::new(stranger_identities(), &Default::default()).unwrap();
    narrow_state.keys = Arc::new(vigil::crypto::Keys {
        keyring: stranger,
        index: crate::support::keys::load().index,
    });
    let narrow_service = web_test::init_service(app(narrow_state)).await;
    let (status, report) = call(&narrow_service, "GET", "/api/v1/reports/cases?by=country", &hq, None).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(cell(&report, &[("country", "KE")]), Some(6));
    let (status, _) = call(
        &narrow_service,
        "GET",
        "/api/v1/reports/procedures?by=state,outcome",
        &hq,
        None,
    )
    .await;
    assert_eq!(status, 200);
    // Six more cases on two themes each: every theme's cells count them, and every total over
    // themes counts each case once (12 cases, not 18 case-themes).
    for _ in 0..6 {
        let (status, opened) = call(
            &service,
            "POST",
            "/api/v1/cases",
            &fp,
            Some(json!({"country": "KE", "themes": ["MEDIA", "LGBTI"], "risk": "high",
                "confidential": {"defender_name": "Someone", "narrative": "Followed."},
                "procedure": {"workflow": "protection_referral", "data": {"risk_description": "Threats."}}})),
        )
        .await;
        assert_eq!(status, 201, "{opened}");
    }
    let (status, themes) = call(
        &narrow_service,
        "GET",
        "/api/v1/reports/cases?by=country,theme",
        &hq,
        None,
    )
    .await;
    assert_eq!(status, 200, "{themes}");
    assert_eq!(cell(&themes, &[("country", "KE"), ("theme", "MEDIA")]), Some(12));
    assert_eq!(cell(&themes, &[("country", "KE"), ("theme", "LGBTI")]), Some(6));
    assert_eq!(cell(&themes, &[("country", "KE")]), Some(12));
    assert_eq!(cell(&themes, &[("theme", "LGBTI")]), Some(6));
    assert_eq!(cell(&themes, &[]), Some(12));
    let (_, by_theme) = call(&narrow_service, "GET", "/api/v1/reports/cases?by=theme", &hq, None).await;
    assert_eq!(cell(&by_theme, &[("theme", "MEDIA")]), Some(12));
    assert_eq!(cell(&by_theme, &[]), Some(12));
    drop(narrow_service);
    for statement in [
        format!("REASSIGN OWNED BY {role} TO CURRENT_USER"),
        format!("DROP OWNED BY {role}"),
        format!("DROP ROLE {role}"),
    ] {
        let _ = diesel::RunQueryDsl::execute(diesel::sql_query(statement), &mut conn);
    }
}

/// A fresh age identity, made by `age-keygen` (Debian's age), to which no case key is wrapped.
fn stranger_identities() -> Vec<age::x25519::Identity> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stranger.txt");
    let made = std::process::Command::new("age-keygen")
        .arg("-o")
        .arg(&path)
        .output()
        .unwrap();
    assert!(made.status.success());
    vigil::crypto::read_identities(&path).unwrap()
}

#[actix_web::test]
async fn the_reports_page_draws_the_table_and_its_chart_for_headquarters_and_no_one_else() {
    use crate::support::ui::{request, sign_in};
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, hq) = seed_user(&pool, "hq_analyst", None);
    let service = web_test::init_service(app(state(pool.clone()))).await;
    for _ in 0..6 {
        open(&service, &fp, "KE", "MEDIA").await;
    }
    open(&service, &fp, "TZ", "LGBTI").await;

    let session = sign_in(&service, &hq).await;
    let cookies = [("vigil_session", session.as_str())];
    let home = request(&service, "/ui/", &cookies, None).await;
    assert_eq!(
        home.location.as_deref(),
        Some("/ui/reports"),
        "headquarters starts at the reports"
    );
    let page = request(&service, "/ui/reports", &cookies, None).await;
    assert_eq!(page.status, 200, "{}", page.body);
    // The default: cases by country this year, as a chart and its table.
    assert!(
        page.body.contains("<svg") && page.body.contains("role=\"img\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("<caption>Cases by Country."), "{}", page.body);
    assert!(
        page.body.contains("<td>KE</td><td>6</td>") || page.body.contains("<td>KE</td><td><em>suppressed"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<td>TZ</td><td><em>suppressed</em></td>"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("/ui/cases\""),
        "no case list for headquarters: {}",
        page.body
    );
    // A refused combination is the form again, saying why.
    let refused = request(
        &service,
        "/ui/reports?report=cases&by1=theme&theme=MEDIA",
        &cookies,
        None,
    )
    .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("cannot be both a filter and a grouping"),
        "{}",
        refused.body
    );
    // The same figures as CSV, to download.
    let csv = request(&service, "/ui/reports.csv?report=cases&by=country", &cookies, None).await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment"))
    );
    assert!(
        csv.body.starts_with("country,count,suppressed\r\n") && csv.body.contains("TZ,,small"),
        "{}",
        csv.body
    );

    // A focal point has no reports.
    let theirs = sign_in(&service, &fp).await;
    let theirs = [("vigil_session", theirs.as_str())];
    assert_eq!(request(&service, "/ui/reports", &theirs, None).await.status, 403);
    let cases = request(&service, "/ui/cases", &theirs, None).await;
    assert!(!cases.body.contains("href=\"/ui/reports\""));
}

#[actix_web::test]
async fn the_annual_table_is_the_years_figures_for_every_delegation_by_procedure_and_outcome() {
    use crate::support::api::transitions_of;
    use crate::support::ui::{request, sign_in};
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, fp_ke) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, fp_ug) = seed_user(&pool, "focal_point", Some("EUD_UG"));
    let (_, hq) = seed_user(&pool, "hq_analyst", None);
    let service = web_test::init_service(app(state(pool.clone()))).await;
    // Kenya: ten referrals, five closed with the risk reduced; Uganda: two, which must not show.
    for i in 0..10 {
        let opened = open(&service, &fp_ke, "KE", "MEDIA").await;
        if i < 5 {
            let close = json!({"action": "close", "expected_version": 1, "data": {"outcome": "risk_reduced"}});
            let (status, body) = call(&service, "POST", &transitions_of(&opened), &fp_ke, Some(close)).await;
            assert_eq!(status, 200, "{body}");
        }
    }
    for _ in 0..2 {
        open(&service, &fp_ug, "UG", "MEDIA").await;
    }

    // The outcome is the plain code recorded at closing, `open` until then; the state is where
    // the procedure stands. (Over every delegation: Kenya's alone, two reports differing by the
    // delegation would give Uganda's two away, and disclosure control suppresses them.)
    let (status, outcomes) = call(&service, "GET", "/api/v1/reports/procedures?by=outcome", &hq, None).await;
    assert_eq!(status, 200, "{outcomes}");
    assert_eq!(cell(&outcomes, &[("outcome", "risk_reduced")]), Some(5), "{outcomes}");
    assert_eq!(cell(&outcomes, &[("outcome", "open")]), Some(7), "{outcomes}");
    let (_, states) = call(&service, "GET", "/api/v1/reports/procedures?by=state", &hq, None).await;
    assert_eq!(cell(&states, &[("state", "closed")]), Some(5), "{states}");
    assert_eq!(cell(&states, &[("state", "needs_assessment")]), Some(7), "{states}");
    // The cases report has no outcome.
    let (status, refused) = call(&service, "GET", "/api/v1/reports/cases?by=outcome", &hq, None).await;
    assert_eq!(status, 422, "{refused}");

    // One click from the reports page.
    let session = sign_in(&service, &hq).await;
    let cookies = [("vigil_session", session.as_str())];
    let reports = request(&service, "/ui/reports", &cookies, None).await;
    assert!(reports.body.contains("href=\"/ui/reports/annual\""), "{}", reports.body);
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let page = request(&service, "/ui/reports/annual", &cookies, None).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(&format!("<h1>Annual report table, {year}</h1>")),
        "{}",
        page.body
    );
    // A row per delegation by its name, a column per workflow.
    assert!(
        page.body.contains("<th scope=\"row\">Delegation EUD_KE</th>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<th scope=\"col\">Protection referral</th>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<th scope=\"row\">All delegations</th>"),
        "{}",
        page.body
    );

    // The same table as CSV: Uganda's two are suppressed, and so is what would give them away
    // (Kenya's ten beside the total of twelve).
    let csv = request(&service, &format!("/ui/reports/annual.csv?year={year}"), &cookies, None).await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    let mut lines = csv.body.split("\r\n");
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.first(), Some(&"delegation"));
    assert_eq!(header.last(), Some(&"all_procedures"));
    let column = header.iter().position(|h| *h == "protection_referral").unwrap();
    let rows: std::collections::BTreeMap<&str, Vec<&str>> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let fields: Vec<&str> = l.split(',').collect();
            (fields[0], fields)
        })
        .collect();
    assert_eq!(rows["EUD_UG"][column], "suppressed", "{}", csv.body);
    assert!(
        rows["EUD_KE"][column] == "suppressed" || rows["Total"][column] == "suppressed",
        "Kenya's and the total's figures together would give Uganda's away: {}",
        csv.body
    );
    assert_eq!(
        rows["EUD_KE"][header.iter().position(|h| *h == "demarche").unwrap()],
        "0"
    );

    // A year that is not one is the page again, saying why; both runs of a table are recorded.
    let bad = request(&service, "/ui/reports/annual?year=twenty", &cookies, None).await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("The year must be a year, such as 2026"),
        "{}",
        bad.body
    );
    assert!(!bad.body.contains("twenty"), "never repeats what was sent");
    figures_are_current(&db);
}

/// Every case's `figures` (what the procedures report reads) is what its procedures are now:
/// whatever changed them (an opening, a transition, a closing with an outcome, an escalation)
/// refreshed the case row in the same transaction.
fn figures_are_current(db: &TestDb) {
    #[derive(diesel::QueryableByName)]
    struct Stale {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        stale: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        with_figures: i64,
    }
    let counted: Stale = diesel::RunQueryDsl::get_result(
        diesel::sql_query(
            "SELECT count(*) FILTER (WHERE figures <> case_figures(delegation, id)) AS stale,
                    count(*) FILTER (WHERE cardinality(figures) > 0) AS with_figures FROM cases",
        ),
        &mut db.connect(),
    )
    .unwrap();
    assert_eq!(counted.stale, 0, "cases whose figures are not their procedures'");
    assert!(counted.with_figures > 0);
}

#[actix_web::test]
async fn a_case_with_several_procedures_counts_once_in_every_cell_and_every_slice() {
    use crate::support::api::transitions_of;
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, hq) = seed_user(&pool, "hq_analyst", None);
    let service = web_test::init_service(app(state(pool.clone()))).await;
    // Seven referrals; six of them escalated to the EUSR office, the first one twice.
    for i in 0..7 {
        let opened = open(&service, &fp, "KE", "MEDIA").await;
        let escalations = match i {
            0 => 2,
            6 => 0,
            _ => 1,
        };
        for n in 0..escalations {
            let escalate = json!({"action": "escalate_to_eusr", "expected_version": 1 + n,
                                  "data": {"reason": "Detained"}});
            let (status, body) = call(&service, "POST", &transitions_of(&opened), &fp, Some(escalate)).await;
            assert_eq!(status, 200, "{body}");
        }
    }
    // Counted as cases: the review twice over is one case; the total is seven, not fourteen.
    let (status, report) = call(&service, "GET", "/api/v1/reports/procedures?by=workflow", &hq, None).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(cell(&report, &[("workflow", "eusr_review")]), Some(6), "{report}");
    assert_eq!(
        cell(&report, &[("workflow", "protection_referral")]),
        Some(7),
        "{report}"
    );
    assert_eq!(cell(&report, &[]), Some(7), "{report}");
    let (_, states) = call(&service, "GET", "/api/v1/reports/procedures?by=state", &hq, None).await;
    assert_eq!(cell(&states, &[("state", "raised")]), Some(6), "{states}");
    assert_eq!(cell(&states, &[]), Some(7), "{states}");

    // Filtered on the reviews, the open cases are six; unfiltered, seven: one case (the one
    // never escalated) lies between the two reports, so the figure is suppressed. Counting the
    // rows the filter leaves out (seven open referrals) instead of the cases it leaves out
    // (one) would have shown it.
    let (status, filtered) = call(
        &service,
        "GET",
        "/api/v1/reports/procedures?by=outcome&workflow=eusr_review",
        &hq,
        None,
    )
    .await;
    assert_eq!(status, 200, "{filtered}");
    let open_cell = filtered["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["values"] == json!({"outcome": "open"}))
        .unwrap();
    assert_eq!(open_cell["count"], Value::Null, "{filtered}");
    assert_eq!(open_cell["suppressed"], "differencing", "{filtered}");
    figures_are_current(&db);
}
