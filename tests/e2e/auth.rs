//! Bearer tokens: `vigil users add` issues one; anything but a valid, live token of an active
//! user is the same 401.

use actix_web::test as web_test;
use diesel::connection::SimpleConnection;
use vigil::http::app;
use vigil::store::Db;

use crate::support::app::{seed_user, state};
use crate::support::{TestDb, reachable_home, stderr, vigil};

#[actix_web::test]
async fn a_valid_token_identifies_its_user_and_anything_else_is_the_same_401() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (user, token) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (expired_user, expired) = seed_user(&pool, "eusr_reviewer", None);
    let (disabled_user, disabled) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    db.connect()
        .batch_execute(&format!(
            "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE user_id = '{expired_user}';
             UPDATE users SET disabled_at = now() WHERE id = '{disabled_user}';"
        ))
        .unwrap();
    let service = web_test::init_service(app(state(pool))).await;

    let me: serde_json::Value = web_test::call_and_read_body_json(
        &service,
        web_test::TestRequest::get()
            .uri("/api/v1/me")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request(),
    )
    .await;
    assert_eq!(me["id"], user.to_string());
    let lowercase = web_test::TestRequest::get()
        .uri("/api/v1/me")
        .insert_header(("Authorization", format!("bearer {token}")))
        .to_request();
    assert_eq!(web_test::call_service(&service, lowercase).await.status(), 200);
    assert_eq!(me["role"], "focal_point");
    assert_eq!(me["delegation"], "EUD_KE");

    let wrong_secret = format!(
        "{}{}",
        &token[..token.len() - 1],
        if token.ends_with('0') { '1' } else { '0' }
    );
    let mut details = Vec::new();
    for header in [
        None,
        Some(format!("Bearer {wrong_secret}")),
        Some(format!("Bearer {expired}")),
        Some(format!("Bearer {disabled}")),
        Some("Bearer vgl_nonsense".to_owned()),
        Some(format!("Basic {token}")),
    ] {
        let mut request = web_test::TestRequest::get().uri("/api/v1/me");
        if let Some(header) = &header {
            request = request.insert_header(("Authorization", header.clone()));
        }
        let response = web_test::call_service(&service, request.to_request()).await;
        assert_eq!(response.status(), 401, "{header:?}");
        assert_eq!(response.headers().get("www-authenticate").unwrap(), "Bearer");
        let problem: serde_json::Value = web_test::read_body_json(response).await;
        details.push(problem["detail"].clone());
    }
    details.dedup();
    assert_eq!(details.len(), 1, "401s differ: {details:?}");
}

#[test]
fn users_add_prints_the_token_as_its_last_line_and_stores_only_its_hash() {
    let db = TestDb::migrated();
    let home = reachable_home();
    let run = |args: &[&str]| {
        let output = vigil(home.path())
            .args(args)
            .env("DATABASE_URL", db.url.expose())
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        String::from_utf8(output.stdout).unwrap()
    };
    run(&[
        "delegations",
        "add",
        "EUD_BY",
        "--name",
        "EU Delegation to Belarus",
        "--country",
        "BY",
    ]);
    let out = run(&[
        "users",
        "add",
        "--email",
        "fp@example.org",
        "--role",
        "focal_point",
        "--delegation",
        "EUD_BY",
    ]);
    let token = out.lines().last().unwrap();
    assert!(vigil::crypto::token::prefix_of(token).is_some(), "{out}");
    let dump = std::process::Command::new("pg_dump")
        .arg(db.url.expose())
        .output()
        .unwrap();
    assert!(dump.status.success(), "{}", stderr(&dump));
    let dump = String::from_utf8_lossy(&dump.stdout);
    assert!(dump.contains("fp@example.org"), "the dump is not of this database");
    let secret = token.rsplit('_').next().unwrap();
    assert!(!dump.contains(secret), "the token is stored in clear");
}

#[actix_web::test]
async fn tokens_are_issued_and_revoked_and_disabled_users_are_refused_at_once() {
    let db = TestDb::migrated();
    let home = reachable_home();
    let run = |args: &[&str]| {
        let output = vigil(home.path())
            .args(args)
            .env("DATABASE_URL", db.url.expose())
            .output()
            .unwrap();
        (
            output.status.success(),
            String::from_utf8(output.stdout.clone()).unwrap(),
            stderr(&output),
        )
    };
    run(&["delegations", "add", "EUD_KE", "--name", "Kenya"]);
    let (ok, out, err) = run(&[
        "users",
        "add",
        "--email",
        "Ama@Example.org",
        "--role",
        "focal_point",
        "--delegation",
        "EUD_KE",
    ]);
    assert!(ok, "{err}");
    let first = out.lines().last().unwrap().to_owned();
    let (ok, out, err) = run(&["tokens", "issue", "--email", "ama@example.org", "--days", "7"]);
    assert!(ok, "{err}");
    let second = out.lines().last().unwrap().to_owned();

    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let service = web_test::init_service(app(state(pool))).await;
    let me = |token: String| {
        web_test::TestRequest::get()
            .uri("/api/v1/me")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request()
    };
    assert_eq!(web_test::call_service(&service, me(first.clone())).await.status(), 200);
    assert_eq!(web_test::call_service(&service, me(second.clone())).await.status(), 200);

    let prefix = first.split('_').nth(1).unwrap();
    assert!(run(&["tokens", "revoke", prefix]).0);
    assert_eq!(web_test::call_service(&service, me(first.clone())).await.status(), 401);
    assert_eq!(web_test::call_service(&service, me(second.clone())).await.status(), 200);
    assert!(!run(&["tokens", "revoke", prefix]).0, "a token was revoked twice");

    let (_, listed, _) = run(&["users", "list"]);
    assert!(
        listed.contains("Ama@Example.org") && !listed.contains("(disabled)"),
        "{listed}"
    );
    assert!(run(&["users", "disable", "--email", "ama@example.org"]).0);
    assert_eq!(web_test::call_service(&service, me(second)).await.status(), 401);
    assert!(run(&["users", "list"]).1.contains("(disabled)"));
    assert!(
        !run(&["tokens", "issue", "--email", "ama@example.org"]).0,
        "a disabled user got a token"
    );
}

#[actix_web::test]
async fn failed_authentication_is_limited_per_address_and_per_token_prefix() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, token) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    let me = |address: &str, bearer: &str| {
        web_test::TestRequest::get()
            .uri("/api/v1/me")
            .peer_addr(format!("{address}:40000").parse().unwrap())
            .insert_header(("Authorization", format!("Bearer {bearer}")))
            .to_request()
    };
    let limit = vigil::http::limiter::MAX_FAILURES;
    for _ in 0..limit {
        assert_eq!(
            web_test::call_service(&service, me("192.0.2.1", "vgl_guess"))
                .await
                .status(),
            401
        );
    }
    let blocked = web_test::call_service(&service, me("192.0.2.1", &token)).await;
    assert_eq!(blocked.status(), 429, "a guessing address kept trying");
    assert!(blocked.headers().get("retry-after").is_some());
    assert_eq!(
        web_test::call_service(&service, me("192.0.2.2", &token)).await.status(),
        200
    );

    // Guessing one token's secret from many addresses is limited by its prefix.
    let prefix = token.split('_').nth(1).unwrap();
    for i in 0..limit {
        let guess = format!("vgl_{prefix}_{}", format!("{i:x}").repeat(64)[..64].to_owned());
        assert_eq!(
            web_test::call_service(&service, me(&format!("198.51.100.{i}"), &guess))
                .await
                .status(),
            401
        );
    }
    // Further wrong secrets for that prefix are refused as too many, but the token itself
    // still works: having seen a prefix is no way to keep its owner out.
    let guess = format!("vgl_{prefix}_{}", "f".repeat(64));
    assert_eq!(
        web_test::call_service(&service, me("198.51.100.200", &guess))
            .await
            .status(),
        429
    );
    assert_eq!(
        web_test::call_service(&service, me("203.0.113.9", &token))
            .await
            .status(),
        200
    );
}

/// Behind a reverse proxy every request comes from the proxy's address: only a proxy named in
/// `VIGIL_TRUSTED_PROXIES` may say who the client is, so one client's typos lock out that client,
/// not everyone behind the proxy; and nobody else can choose the address they are counted as.
#[actix_web::test]
async fn a_trusted_proxy_names_the_client_and_nobody_else_does() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, token) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let mut behind_proxy = state(pool);
    behind_proxy.trusted_proxies = vec!["10.0.0.5".parse().unwrap()].into();
    let service = web_test::init_service(app(behind_proxy)).await;
    let me = |peer: &str, forwarded_for: &str, bearer: &str| {
        web_test::TestRequest::get()
            .uri("/api/v1/me")
            .peer_addr(format!("{peer}:40000").parse().unwrap())
            .insert_header(("X-Forwarded-For", forwarded_for.to_owned()))
            .insert_header(("Authorization", format!("Bearer {bearer}")))
            .to_request()
    };
    for _ in 0..vigil::http::limiter::MAX_FAILURES {
        let status = web_test::call_service(&service, me("10.0.0.5", "198.51.100.7", "vgl_typo"))
            .await
            .status();
        assert_eq!(status, 401);
    }
    // The client that typed is held back; another behind the same proxy is not.
    let typist = web_test::call_service(&service, me("10.0.0.5", "198.51.100.7", &token)).await;
    assert_eq!(typist.status(), 429);
    let colleague = web_test::call_service(&service, me("10.0.0.5", "198.51.100.8", &token)).await;
    assert_eq!(colleague.status(), 200);
    // A client that is no trusted proxy cannot pass for another address: its own is counted.
    for _ in 0..vigil::http::limiter::MAX_FAILURES {
        let status = web_test::call_service(&service, me("192.0.2.44", "198.51.100.99", "vgl_typo"))
            .await
            .status();
        assert_eq!(status, 401);
    }
    let forged = web_test::call_service(&service, me("192.0.2.44", "198.51.100.100", &token)).await;
    assert_eq!(forged.status(), 429, "a forged X-Forwarded-For escaped the limit");
}
