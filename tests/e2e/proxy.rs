//! Vigil behind nginx, as `deploy/nginx-vigil.conf` sets it up (only its ports and certificate
//! paths replaced): TLS terminated by nginx, the client's address and scheme believed from it
//! and from no one else, and problem+json for what nginx refuses itself or when Vigil is down.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::process::{Daemon, debian_tool, free_address};
use crate::support::{TestDb, serve_on};

/// nginx running `deploy/nginx-vigil.conf` in front of the Vigil on `vigil_port`, stopped when
/// dropped.
struct Nginx {
    daemon: Daemon,
    dir: tempfile::TempDir,
    https: u16,
    http: u16,
}

impl Nginx {
    fn start(vigil_port: u16) -> Self {
        let dir = tempfile::Builder::new().prefix("vigil-nginx-").tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        let made = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=localhost",
            ])
            .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout"])
            .arg(path("key.pem"))
            .arg("-out")
            .arg(path("cert.pem"))
            .output()
            .unwrap();
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
        let (https, http) = (free_address().port(), free_address().port());
        let shipped =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx-vigil.conf")).unwrap();
        let mut config = shipped.clone();
        for (from, to) in [
            ("server 127.0.0.1:8080", format!("server 127.0.0.1:{vigil_port}")),
            ("listen 443 ssl;", format!("listen 127.0.0.1:{https} ssl;")),
            ("listen 80;", format!("listen 127.0.0.1:{http};")),
            ("/etc/ssl/vigil/fullchain.pem", path("cert.pem").display().to_string()),
            ("/etc/ssl/vigil/privkey.pem", path("key.pem").display().to_string()),
        ] {
            assert!(config.contains(from), "deploy/nginx-vigil.conf no longer says `{from}`");
            config = config.replace(from, &to);
        }
        std::fs::write(path("vigil.conf"), config).unwrap();
        let temp = |name: &str| format!("{name}_temp_path {};", path(name).display());
        std::fs::write(
            path("nginx.conf"),
            format!(
                "daemon off;\nworker_processes 1;\npid {};\nerror_log {} warn;\nevents {{ worker_connections 64; }}\nhttp {{\naccess_log off;\n{}\n{}\n{}\n{}\n{}\ninclude {};\n}}\n",
                path("nginx.pid").display(),
                path("error.log").display(),
                temp("client_body"),
                temp("proxy"),
                temp("fastcgi"),
                temp("uwsgi"),
                temp("scgi"),
                path("vigil.conf").display()
            ),
        )
        .unwrap();
        // When root, nginx's workers run as nobody, who must reach the folder.
        std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let mut command = Command::new(debian_tool("usr/sbin/nginx"));
        command
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(path("nginx.conf"))
            .arg("-e")
            .arg(path("error.log"));
        let daemon = Daemon::start(command, https, path("error.log"));
        Self {
            daemon,
            dir,
            https,
            http,
        }
    }

    fn errors(&self) -> String {
        self.daemon.log()
    }

    fn ca(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }
}

/// What curl got: the status, the headers (lower-case names) and the body.
struct Got {
    status: u16,
    headers: String,
    body: String,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// curl from the client address `from` (a loopback address of its own), with `args` besides.
fn curl(from: &str, ca: &Path, url: &str, args: &[&str]) -> Got {
    let dir = tempfile::tempdir().unwrap();
    let (headers, body) = (dir.path().join("headers"), dir.path().join("body"));
    let done = Command::new("curl")
        .args(["-sS", "--max-time", "30", "--interface", from, "--cacert"])
        .arg(ca)
        .arg("-D")
        .arg(&headers)
        .arg("-o")
        .arg(&body)
        .args(["-w", "%{http_code}"])
        .args(args)
        .arg(url)
        .output()
        .unwrap();
    // Never the whole URL in a message: some are 100 KiB long.
    let shown: String = url.chars().take(80).collect();
    assert!(
        done.status.success(),
        "curl {shown}…: {}",
        String::from_utf8_lossy(&done.stderr)
    );
    Got {
        status: String::from_utf8_lossy(&done.stdout).trim().parse().unwrap(),
        headers: std::fs::read_to_string(headers).unwrap(),
        body: std::fs::read_to_string(body).unwrap_or_default(),
    }
}

fn assert_problem(got: &Got, status: u16, kind: &str) {
    assert_eq!(got.status, status, "{}{}", got.headers, got.body);
    assert_eq!(
        got.header("content-type"),
        Some("application/problem+json"),
        "{}",
        got.headers
    );
    let problem: serde_json::Value = serde_json::from_str(&got.body).unwrap();
    assert_eq!(problem["type"], format!("/problems/{kind}"));
    assert_eq!(problem["status"], status);
}

#[test]
fn behind_the_shipped_nginx_config_tls_client_addresses_and_refusals_hold() {
    let db = TestDb::migrated();
    let (mut serve, _home) = serve_on(
        &db,
        &[("VIGIL_TRUSTED_PROXIES", "127.0.0.1"), ("VIGIL_AUTH_FAILURES", "2")],
    );
    let nginx = Nginx::start(serve.address.port());
    let ca = nginx.ca();
    let https = |path: &str| format!("https://localhost:{}{path}", nginx.https);

    // TLS at nginx; plain HTTP is sent there.
    let health = curl("127.0.0.2", &ca, &https("/healthz"), &[]);
    assert_eq!(health.status, 200, "{}", nginx.errors());
    assert!(health.header("strict-transport-security").is_some());
    let plain = curl("127.0.0.2", &ca, &format!("http://127.0.0.1:{}/ui/", nginx.http), &[]);
    assert_eq!(plain.status, 301);
    assert!(plain.header("location").is_some_and(|l| l.starts_with("https://")));

    // The scheme: nginx says https, and Vigil believes it (its cookies are Secure); a client
    // saying so to Vigil directly is not believed.
    let form = curl("127.0.0.2", &ca, &https("/ui/sign-in"), &[]);
    let cookie = form.header("set-cookie").unwrap_or_default().to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
    let direct = curl(
        "127.0.0.2",
        &ca,
        &format!("http://{}/ui/sign-in", serve.address),
        &["-H", "X-Forwarded-Proto: https"],
    );
    let cookie = direct.header("set-cookie").unwrap_or_default().to_owned();
    assert!(
        cookie.starts_with("vigil_sign_in=") && !cookie.contains("Secure"),
        "{cookie}"
    );

    // The client's address: failed authentications are counted per client behind the proxy,
    // and a client cannot pass for another with X-Forwarded-For.
    let me = |from: &str, forged: &str| {
        curl(
            from,
            &ca,
            &https("/api/v1/me"),
            &[
                "-H",
                "Authorization: Bearer not-a-token",
                "-H",
                &format!("X-Forwarded-For: {forged}"),
            ],
        )
        .status
    };
    assert_eq!(me("127.0.0.2", "192.0.2.1"), 401);
    assert_eq!(me("127.0.0.2", "192.0.2.2"), 401);
    assert_eq!(me("127.0.0.2", "192.0.2.3"), 429, "the third failure from one client");
    assert_eq!(me("127.0.0.3", "127.0.0.2"), 401, "another client is not limited");

    // What nginx refuses itself is problem+json too, and repeats nothing that was sent.
    let secret = "Defender-Name-In-A-Url";
    let long = https(&format!("/api/v1/cases?q={secret}{}", "x".repeat(100 * 1024)));
    let refused = curl("127.0.0.2", &ca, &long, &[]);
    assert_problem(&refused, 414, "uri-too-long");
    assert!(!refused.body.contains(secret) && !refused.headers.contains(secret));
    let big = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(big.path(), vec![b'x'; 5 * 1024 * 1024]).unwrap();
    let too_large = curl(
        "127.0.0.2",
        &ca,
        &https("/api/v1/cases"),
        &[
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            &format!("@{}", big.path().display()),
        ],
    );
    assert_problem(&too_large, 413, "body-too-large");

    // Vigil down: 503 problem+json with Retry-After, never nginx's own 502 page.
    serve.stop();
    let down = curl("127.0.0.2", &ca, &https("/api/v1/me"), &[]);
    assert_problem(&down, 503, "unavailable");
    assert_eq!(down.header("retry-after"), Some("1"));
    // At `warn`, nginx's error log holds no request line (its 414 line, at `info`, would).
    assert!(!nginx.errors().contains(secret));
}
