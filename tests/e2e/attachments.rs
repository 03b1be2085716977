//! Evidence attachments over the API, against a real PostgreSQL: sealed while they stream in,
//! checked against their custody record on the way out, downloaded as files and never as
//! pages, and nothing left of an upload that fails.

use std::io::Write;
use std::sync::Arc;

use actix_web::test as web_test;
use actix_web::web::Bytes;
use serde_json::Value;
use sha2::Digest;
use vigil::cases::attachments::Limits;
use vigil::http::app;
use vigil::http::attachments::Uploads;
use vigil::store::Db;

use crate::support::TestDb;
use crate::support::api::call;
use crate::support::app::{seed_user, state};

/// A case of Kenya's delegation, opened by `fp`: its id.
async fn open_case<S, B>(service: &S, fp: &str) -> String
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let opened = crate::support::api::open_case(service, fp, "KE", "MEDIA").await;
    opened["id"].as_str().unwrap().to_owned()
}

/// A case of Kenya's delegation opened by `fp` on a running `vigil serve`: its id.
fn open_case_over_http(serve: &crate::support::Serve, fp: &str) -> String {
    let opened: Value = ureq::post(&serve.url("/api/v1/cases"))
        .set("Authorization", &format!("Bearer {fp}"))
        .send_json(serde_json::json!({
            "country": "KE", "themes": ["MEDIA"], "risk": "high",
            "confidential": {"defender_name": "Someone", "narrative": "Detained."},
            "procedure": {"workflow": "protection_referral", "data": {"risk_description": "Threats."}}
        }))
        .unwrap()
        .into_json()
        .unwrap();
    opened["id"].as_str().unwrap().to_owned()
}

/// `GET …/attachments/{id}` as `token`.
fn download(case: &str, id: &str, token: &str) -> actix_http::Request {
    web_test::TestRequest::get()
        .uri(&format!("/api/v1/cases/{case}/attachments/{id}"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_request()
}

/// `POST …/attachments` with `bytes` as the body and `disposition` as its Content-Disposition.
fn upload(case: &str, token: &str, disposition: Option<&str>, bytes: Vec<u8>) -> web_test::TestRequest {
    let mut request = web_test::TestRequest::post()
        .uri(&format!("/api/v1/cases/{case}/attachments"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Content-Type", "application/octet-stream"))
        .set_payload(bytes);
    if let Some(disposition) = disposition {
        request = request.insert_header(("Content-Disposition", disposition));
    }
    request
}

async fn answer<B: actix_web::body::MessageBody>(response: actix_web::dev::ServiceResponse<B>) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = web_test::read_body(response).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// 600 KiB that start like a PDF and end with a marker: three chunk rows.
fn evidence() -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..600 * 1024).map(|i| (i % 251) as u8));
    bytes.extend_from_slice(b"THE-OBSERVERS-FINDINGS");
    bytes
}

#[actix_web::test]
async fn an_attachment_is_sealed_as_it_streams_and_comes_back_checked_as_a_file() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, other) = seed_user(&pool, "focal_point", Some("EUD_UG"));
    let service = web_test::init_service(app(state(pool.clone()))).await;
    let case = open_case(&service, &fp).await;
    let bytes = evidence();
    let name = "Décision du mécanisme.pdf";
    let disposition = "attachment; filename*=UTF-8''D%C3%A9cision%20du%20m%C3%A9canisme.pdf";

    let response = web_test::call_service(
        &service,
        upload(&case, &fp, Some(disposition), bytes.clone()).to_request(),
    )
    .await;
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let (status, uploaded) = answer(response).await;
    assert_eq!(status, 201, "{uploaded}");
    assert_eq!(uploaded["size"], bytes.len());
    assert_eq!(uploaded["sha256"], sha256_hex(&bytes));
    assert_eq!(uploaded["media_type"], "application/pdf", "detected from the bytes");
    let id = uploaded["id"].as_str().unwrap();
    assert_eq!(
        location.as_deref(),
        Some(format!("/api/v1/cases/{case}/attachments/{id}").as_str())
    );

    // Stored sealed, in rows of 256 KiB: neither the bytes nor the name are anywhere in clear.
    assert_eq!(db.count("SELECT count(*) AS count FROM attachment_chunks"), 3);
    for table in ["attachment_chunks", "attachments", "case_events"] {
        for secret in ["THE-OBSERVERS-FINDINGS", "canisme"] {
            let found = db.count(&format!(
                "SELECT count(*) AS count FROM {table} t WHERE position(convert_to('{secret}', 'UTF8') IN convert_to(t::text, 'UTF8')) > 0"
            ));
            assert_eq!(found, 0, "{secret} in clear in {table}");
        }
    }
    assert_eq!(
        db.count("SELECT count(*) AS count FROM case_events WHERE action = 'attach_file' AND sealed IS NOT NULL"),
        1,
        "the custody event, its record sealed"
    );

    // The list shows the custody record to those who may read the case.
    let (status, list) = call(&service, "GET", &format!("/api/v1/cases/{case}/attachments"), &fp, None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"][0]["name"], name);
    assert_eq!(list["items"][0]["sha256"], sha256_hex(&bytes));
    assert_eq!(list["items"][0]["size"], bytes.len());

    // Downloaded as a file, whole, with its name, and recorded in the access log.
    let response = web_test::call_service(&service, download(&case, id, &fp)).await;
    assert_eq!(response.status(), 200);
    let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(header("content-type").as_deref(), Some("application/octet-stream"));
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(
        header("content-security-policy").as_deref(),
        Some("default-src 'none'; sandbox")
    );
    assert_eq!(header("content-length"), Some(bytes.len().to_string()));
    let disposition = header("content-disposition").unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''D%C3%A9cision%20du%20m%C3%A9canisme.pdf"),
        "{disposition}"
    );
    let body = web_test::read_body(response).await;
    assert_eq!(body.len(), bytes.len());
    assert!(body == bytes, "the file came back changed");
    assert_eq!(
        db.count("SELECT count(*) AS count FROM access_log WHERE what = 'attachment'"),
        1
    );

    // Another delegation's focal point: no such case, whether listing, downloading or adding.
    let (status, _) = call(
        &service,
        "GET",
        &format!("/api/v1/cases/{case}/attachments"),
        &other,
        None,
    )
    .await;
    assert_eq!(status, 404);
    let response = web_test::call_service(
        &service,
        upload(&case, &other, Some("attachment; filename=\"x.txt\""), b"x".to_vec()).to_request(),
    )
    .await;
    assert_eq!(response.status(), 404);
    assert_eq!(db.count("SELECT count(*) AS count FROM attachments"), 1);
    // A file's custody event changes nothing the audit projects: the case's chain, fields and
    // sealed data hold (a file tied to a procedure: tests/e2e/ui.rs).
    db.assert_audit_holds();
}

#[actix_web::test]
async fn an_html_page_and_a_scripted_svg_download_as_files_never_as_pages() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool.clone()))).await;
    let case = open_case(&service, &fp).await;
    let files: [(&str, &[u8]); 2] = [
        (
            "page.html",
            b"<!DOCTYPE html><html><body><script>fetch('/api/v1/cases')</script></body></html>",
        ),
        (
            "drawing.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(document.cookie)</script></svg>",
        ),
    ];
    for (name, bytes) in files {
        let response = web_test::call_service(
            &service,
            upload(
                &case,
                &fp,
                Some(&format!("attachment; filename=\"{name}\"")),
                bytes.to_vec(),
            )
            .to_request(),
        )
        .await;
        let (status, uploaded) = answer(response).await;
        assert_eq!(status, 201, "{uploaded}");
        let id = uploaded["id"].as_str().unwrap();
        let response = web_test::call_service(&service, download(&case, id, &fp)).await;
        let header = |h: &str| {
            response
                .headers()
                .get(h)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        assert_eq!(header("content-type"), "application/octet-stream", "{name}");
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(header("content-security-policy"), "default-src 'none'; sandbox");
        assert!(header("content-disposition").starts_with("attachment;"));
        assert_eq!(web_test::read_body(response).await, Bytes::from_static(bytes));
    }
}

#[actix_web::test]
async fn an_upload_refused_or_cut_off_leaves_nothing_and_repeats_nothing() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, hq) = seed_user(&pool, "hq_analyst", None);
    let mut small = state(pool.clone());
    small.uploads = Arc::new(Uploads::new(
        Limits {
            max_bytes: 1000,
            quota_bytes: 2600,
        },
        2,
    ));
    let service = web_test::init_service(app(small)).await;
    let case = open_case(&service, &fp).await;
    let named = Some("attachment; filename=\"notes.txt\"");
    let nothing_kept = |why: &str| {
        assert_eq!(db.count("SELECT count(*) AS count FROM attachment_chunks"), 0, "{why}");
        assert_eq!(db.count("SELECT count(*) AS count FROM attachments"), 0, "{why}");
        assert_eq!(
            db.count("SELECT count(*) AS count FROM case_events WHERE action = 'attach_file'"),
            0,
            "{why}"
        );
    };

    // Over the limit, announced: 413 at once.
    let (status, problem) =
        answer(web_test::call_service(&service, upload(&case, &fp, named, vec![b'a'; 1001]).to_request()).await).await;
    assert_eq!(status, 413, "{problem}");
    assert_eq!(problem["type"], "/problems/too-large");
    nothing_kept("announced over the limit");

    // Over the limit, streamed without a length: refused as it passes it.
    let stream = futures_util::stream::iter(
        (0..4).map(|_| Ok::<_, actix_web::error::PayloadError>(Bytes::from(vec![b'a'; 400]))),
    );
    let request = upload(&case, &fp, named, Vec::new()).to_request();
    let (mut request, _) = request.replace_payload(actix_http::Payload::from(
        Box::pin(stream) as actix_http::BoxedPayloadStream
    ));
    request.headers_mut().remove("content-length");
    let (status, _) = answer(web_test::call_service(&service, request).await).await;
    assert_eq!(status, 413);
    nothing_kept("streamed over the limit");

    // Cut off midway: the body fails after 600 bytes.
    let stream = futures_util::stream::iter(vec![
        Ok(Bytes::from(vec![b'a'; 600])),
        Err(actix_web::error::PayloadError::Incomplete(None)),
    ]);
    let request = upload(&case, &fp, named, Vec::new()).to_request();
    let (mut request, _) = request.replace_payload(actix_http::Payload::from(
        Box::pin(stream) as actix_http::BoxedPayloadStream
    ));
    request.headers_mut().remove("content-length");
    let response = web_test::call_service(&service, request).await;
    assert!(response.status().is_client_error() || response.status().is_server_error());
    nothing_kept("a body cut off");

    // Bad names and an empty file: 422, naming the field, never repeating what was sent.
    for (disposition, bytes) in [
        (None, b"x".to_vec()),
        (Some("attachment; filename=\"../../etc/passwd\""), b"x".to_vec()),
        (Some("attachment; filename*=UTF-8''evil%0Aname.txt"), b"x".to_vec()),
        (Some("attachment; filename=\"dir\\\\secret-file.txt\""), b"x".to_vec()),
        (named, Vec::new()),
    ] {
        let (status, problem) =
            answer(web_test::call_service(&service, upload(&case, &fp, disposition, bytes).to_request()).await).await;
        assert_eq!(status, 422, "{disposition:?}: {problem}");
        let text = problem.to_string();
        assert!(
            !text.contains("passwd") && !text.contains("evil") && !text.contains("secret-file"),
            "{text}"
        );
    }
    nothing_kept("bad names");

    // Headquarters reads no case: not found.
    let (status, _) =
        answer(web_test::call_service(&service, upload(&case, &hq, named, b"x".to_vec()).to_request()).await).await;
    assert_eq!(status, 404);
    nothing_kept("out of scope");

    // The quota: two files fit, the third would pass it.
    for n in 0..3 {
        let (status, problem) =
            answer(web_test::call_service(&service, upload(&case, &fp, named, vec![b'a'; 900]).to_request()).await)
                .await;
        assert_eq!(status, if n < 2 { 201 } else { 413 }, "file {n}: {problem}");
    }
    assert_eq!(db.count("SELECT count(*) AS count FROM attachments"), 2);
}

#[actix_web::test]
async fn bytes_changed_in_the_database_are_caught_and_never_sent_whole() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool.clone()))).await;
    let case = open_case(&service, &fp).await;
    let named = Some("attachment; filename=\"report.pdf\"");
    let mut ids = Vec::new();
    for _ in 0..2 {
        let response = web_test::call_service(&service, upload(&case, &fp, named, evidence()).to_request()).await;
        let (status, uploaded) = answer(response).await;
        assert_eq!(status, 201, "{uploaded}");
        ids.push(uploaded["id"].as_str().unwrap().to_owned());
    }
    let mut conn = db.connect();
    // One byte of the first file's second chunk flipped: age's authentication refuses it.
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "UPDATE attachment_chunks SET bytes = set_byte(bytes, 1000, get_byte(bytes, 1000) # 1)
             WHERE attachment_id = '{}' AND seq = 1",
            ids[0]
        )),
        &mut conn,
    )
    .unwrap();
    // The second replaced by another file sealed to the same case (its recipient is public):
    // it opens, but it is not the file recorded when it arrived.
    let recipient: String = {
        #[derive(diesel::QueryableByName)]
        struct Key {
            #[diesel(sql_type = diesel::sql_types::Text)]
            recipient: String,
        }
        diesel::RunQueryDsl::get_result::<Key>(
            diesel::sql_query(format!("SELECT recipient FROM case_keys WHERE case_id = '{case}'")),
            &mut conn,
        )
        .unwrap()
        .recipient
    };
    let recipient: age::x25519::Recipient = recipient.parse().unwrap();
    let mut forged = Vec::new();
    {
        let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient)).unwrap();
        let mut writer = encryptor.wrap_output(&mut forged).unwrap();
        writer.write_all(b"%PDF-1.7\nA forged report.").unwrap();
        writer.finish().unwrap();
    }
    for statement in [
        format!("DELETE FROM attachment_chunks WHERE attachment_id = '{}'", ids[1]),
        format!(
            "INSERT INTO attachment_chunks (delegation, attachment_id, seq, bytes) VALUES ('EUD_KE', '{}', 0, decode('{}', 'hex'))",
            ids[1],
            forged.iter().map(|b| format!("{b:02x}")).collect::<String>()
        ),
        format!("UPDATE attachments SET chunks = 1 WHERE id = '{}'", ids[1]),
    ] {
        diesel::RunQueryDsl::execute(diesel::sql_query(statement), &mut conn).unwrap();
    }
    for id in &ids {
        let response = web_test::call_service(&service, download(&case, id, &fp)).await;
        // The answer had begun (its headers promise the recorded length); it never ends whole.
        assert_eq!(response.status(), 200);
        if let Ok(body) = web_test::try_read_body(response).await {
            panic!("{} bytes arrived as if whole", body.len());
        }
    }
}

/// A real `vigil serve` and a client that hangs up midway: the upload's transaction ends,
/// nothing of it is kept, and the next upload works; the log never holds a file's name.
#[test]
fn a_client_that_hangs_up_midway_leaves_nothing_behind_a_real_server() {
    use std::io::Read;
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (serve, _home) = crate::support::serve_on(&db, &[]);
    let case = &open_case_over_http(&serve, &fp);
    let head = |length: usize| {
        format!(
            "POST /api/v1/cases/{case}/attachments HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {fp}\r\n\
             Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"Hearing-Notes-7731.pdf\"\r\n\
             Content-Length: {length}\r\nConnection: close\r\n\r\n"
        )
    };
    // 300 KiB announced, 100 KiB sent, then the connection closed.
    {
        let mut stream = std::net::TcpStream::connect(serve.address).unwrap();
        stream.write_all(head(300 * 1024).as_bytes()).unwrap();
        stream.write_all(&vec![7u8; 100 * 1024]).unwrap();
        stream.shutdown(std::net::Shutdown::Both).unwrap();
    }
    // Its transaction ends (no connection of the server stays inside one), with nothing kept.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let open = db.count(
            "SELECT count(*) AS count FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'",
        ) + db.count(
            "SELECT count(*) AS count FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'INSERT INTO \"attachment_chunks\"%' AND state = 'active'",
        );
        if open == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the cut-off upload's transaction is still open"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(db.count("SELECT count(*) AS count FROM attachment_chunks"), 0);
    assert_eq!(db.count("SELECT count(*) AS count FROM attachments"), 0);

    // A whole one works.
    let mut stream = std::net::TcpStream::connect(serve.address).unwrap();
    stream.write_all(head(300 * 1024).as_bytes()).unwrap();
    stream.write_all(&vec![7u8; 300 * 1024]).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert_eq!(db.count("SELECT count(*) AS count FROM attachments"), 1);
    assert_eq!(db.count("SELECT count(*) AS count FROM attachment_chunks"), 2);
    // The cut-off upload was answered too (its answer went nowhere): two requests on the route,
    // the cut-off one's line written when the server saw its body end, which on a busy machine
    // may come after the whole upload's (one CI run read the log before it).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let logs = loop {
        let logs = serve.logs();
        if logs.matches("/api/v1/cases/{id}/attachments").count() >= 2 || std::time::Instant::now() > deadline {
            break logs;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(logs.contains("attachment stored"), "{logs}");
    assert_eq!(
        logs.matches("/api/v1/cases/{id}/attachments").count(),
        2,
        "the cut-off upload never reached the server:\n{logs}"
    );
    assert!(!logs.contains("Hearing-Notes"), "the log holds a file's name:\n{logs}");
}

/// A database that fails while a file is read is the database failing, not the file: the
/// download is cut off and logged as such, never raised as a custody alert, and the file
/// comes back whole once the database answers again.
#[test]
fn a_store_failing_midway_is_no_custody_alert_a_real_server() {
    use std::io::Read;
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (serve, _home) = crate::support::serve_on(&db, &[]);
    let bearer = format!("Bearer {fp}");
    let case = &open_case_over_http(&serve, &fp);
    let uploaded: Value = ureq::post(&serve.url(&format!("/api/v1/cases/{case}/attachments")))
        .set("Authorization", &bearer)
        .set("Content-Type", "application/octet-stream")
        .set("Content-Disposition", "attachment; filename=\"report.pdf\"")
        .send_bytes(&evidence())
        .unwrap()
        .into_json()
        .unwrap();
    let uri = serve.url(&format!(
        "/api/v1/cases/{case}/attachments/{}",
        uploaded["id"].as_str().unwrap()
    ));
    // A body that fails before its first byte can take the headers with it: either way the
    // reader sees the answer cut off.
    let fetch = || -> std::io::Result<Vec<u8>> {
        let answer = ureq::get(&uri)
            .set("Authorization", &bearer)
            .call()
            .map_err(std::io::Error::other)?;
        assert_eq!(answer.status(), 200);
        let mut body = Vec::new();
        answer.into_reader().read_to_end(&mut body)?;
        Ok(body)
    };
    let mut conn = db.connect();
    let rename = |conn: &mut diesel::PgConnection, from: &str, to: &str| {
        let statement = format!("ALTER TABLE attachment_chunks RENAME COLUMN {from} TO {to}");
        diesel::RunQueryDsl::execute(diesel::sql_query(statement), conn).unwrap();
    };
    // The chunks cannot be read (the query fails); the case and its custody record can.
    rename(&mut conn, "seq", "seq_away");
    if let Ok(body) = fetch() {
        assert!(
            body.len() < evidence().len(),
            "{} bytes arrived as if whole",
            body.len()
        );
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !serve.logs().contains("download cut off") {
        assert!(
            std::time::Instant::now() < deadline,
            "no cut-off logged:\n{}",
            serve.logs()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let logs = serve.logs();
    assert!(
        !logs.contains("custody check"),
        "a store failure raised as a custody alert:\n{logs}"
    );
    rename(&mut conn, "seq_away", "seq");
    assert_eq!(fetch().unwrap(), evidence());
}
