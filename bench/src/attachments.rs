//! `vigil-bench attachments`: five clients each upload a 50 MiB file to a case of their own at
//! once, over HTTP, and read them back; the peak resident memory of `vigil serve` (the target:
//! under 150 MB, since nothing is held whole) and the throughput, beside the same bytes sealed
//! by age's own command line (`age -r … -o /dev/null`, five at once) in the same run: the least
//! sealing those bytes needs, without HTTP, hashing or storing.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::transitions::open_cases;
use super::{BenchDatabase, Stage, median};
use vigil::config::Config;

#[derive(Debug, Clone)]
pub struct Options {
    pub clients: usize,
    pub mebibytes: usize,
    pub runs: usize,
}

/// Bytes that neither compress nor repeat within a chunk (xorshift), so nothing is cheaper than a
/// real file's.
fn file(mebibytes: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..mebibytes * 1024 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// The status and the body's length of one request sent with `body` in pieces of 64 KiB.
async fn send(port: u16, head: String, body: Option<&[u8]>) -> anyhow::Result<(u16, u64)> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    stream.set_nodelay(true)?;
    let mut stream = BufReader::new(stream);
    stream.get_mut().write_all(head.as_bytes()).await?;
    for piece in body.unwrap_or_default().chunks(64 * 1024) {
        stream.get_mut().write_all(piece).await?;
    }
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no status line")?;
    let mut length = 0u64;
    loop {
        line.clear();
        stream.read_line(&mut line).await?;
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut rest = vec![0; 64 * 1024];
    let mut read = 0u64;
    while read < length {
        let n = stream.read(&mut rest).await?;
        anyhow::ensure!(n > 0, "the answer stopped after {read} of {length} bytes");
        read += n as u64;
    }
    Ok((status, read))
}

pub fn run(config: &Config, options: &Options, out_dir: &Path) -> anyhow::Result<serde_json::Value> {
    let bytes = std::sync::Arc::new(file(options.mebibytes));
    let total_mb = (options.clients * bytes.len()) as f64 / 1e6;
    let outcome = BenchDatabase::around(config, |database| {
        // A body of 50 MiB over loopback arrives in seconds, but five at once on two cores may
        // take longer than the default 30 s.
        let stage = Stage::serving_with(config, database, &[("VIGIL_BODY_TIMEOUT", "10m")])?;
        let runtime = super::runtime()?;
        let port = stage.served.port;
        let cases = runtime.block_on(open_cases(port, &stage.token, options.clients))?;
        let idle_rss = stage.served.rss_mb();
        let (mut uploads, mut downloads) = (Vec::new(), Vec::new());
        for _ in 0..options.runs {
            let started = Instant::now();
            let ids = runtime.block_on(async {
                let mut sending = Vec::new();
                for (case, _) in &cases {
                    let (bytes, token, case) = (bytes.clone(), stage.token.clone(), case.to_string());
                    sending.push(tokio::spawn(async move {
                        let head = format!(
                            "POST /api/v1/cases/{case}/attachments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
                             Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"evidence.bin\"\r\n\
                             Content-Length: {}\r\nConnection: close\r\n\r\n",
                            bytes.len()
                        );
                        send(port, head, Some(&bytes)).await
                    }));
                }
                let mut statuses = Vec::new();
                for sent in sending {
                    statuses.push(sent.await??);
                }
                Ok::<_, anyhow::Error>(statuses)
            })?;
            for (status, _) in &ids {
                anyhow::ensure!(*status == 201, "an upload was answered {status}");
            }
            uploads.push(total_mb / started.elapsed().as_secs_f64());
        }
        // Reading back the last one uploaded of each case, five at once.
        let listed = runtime.block_on(async {
            let mut client = super::http::Client::connect(port).await?;
            let mut paths = Vec::new();
            for (case, _) in &cases {
                let (response, _) = client
                    .request("GET", &format!("/api/v1/cases/{case}/attachments"), &stage.token, None)
                    .await?;
                let list: serde_json::Value = serde_json::from_slice(&response.body)?;
                let id = list["items"]
                    .as_array()
                    .and_then(|items| items.last())
                    .and_then(|item| item["id"].as_str())
                    .context("no attachment listed")?
                    .to_owned();
                paths.push(format!("/api/v1/cases/{case}/attachments/{id}"));
            }
            Ok::<_, anyhow::Error>(paths)
        })?;
        for _ in 0..options.runs {
            let started = Instant::now();
            runtime.block_on(async {
                let mut reading = Vec::new();
                for path in &listed {
                    let head = format!(
                        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
                        stage.token
                    );
                    reading.push(tokio::spawn(async move { send(port, head, None).await }));
                }
                for read in reading {
                    let (status, length) = read.await??;
                    anyhow::ensure!(status == 200 && length > 0, "a download was answered {status}");
                }
                Ok::<_, anyhow::Error>(())
            })?;
            downloads.push(total_mb / started.elapsed().as_secs_f64());
        }
        Ok::<_, anyhow::Error>((uploads, downloads, idle_rss, stage.served.peak_rss_mb()))
    })?;
    let (uploads, downloads, idle_rss, peak_rss) = outcome;
    // The reference: the same bytes through age's own command line, as many at once.
    let input = std::env::temp_dir().join(format!("vigil-bench-attachment-{}.bin", std::process::id()));
    std::fs::write(&input, bytes.as_slice())?;
    let reference = age_reference(&input, options);
    let _ = std::fs::remove_file(&input);
    let reference = reference?;
    let (upload, download, age) = (median(&uploads), median(&downloads), median(&reference));
    let round = |x: f64| (x * 10.0).round() / 10.0;
    let report = serde_json::json!({
        "scenario": "attachments",
        "clients": options.clients,
        "file_mib": options.mebibytes,
        "runs": options.runs,
        "upload_mb_per_s": round(upload),
        "download_mb_per_s": round(download),
        "age_cli_mb_per_s": round(age),
        // Four decimals: a debug build on a busy machine is a few thousandths of age's CLI,
        // which two decimals made 0 (and the bench's test, which wants a figure, failed).
        "upload_ratio": (upload / age.max(0.001) * 10_000.0).round() / 10_000.0,
        "rss_idle_mb": round(idle_rss),
        "rss_peak_mb": round(peak_rss),
        "machine": super::provenance(),
    });
    let path = super::write_report(out_dir, "attachments", &report)?;
    println!(
        "attachments: {} clients × {} MiB, median of {} runs",
        options.clients, options.mebibytes, options.runs
    );
    println!(
        "  uploads   {upload:>8.1} MB/s   (age's own CLI, same bytes, as many at once: {age:.1} MB/s, ratio {:.3})",
        upload / age.max(0.001)
    );
    println!("  downloads {download:>8.1} MB/s");
    println!("  vigil serve RSS: {idle_rss:.1} MB idle, {peak_rss:.1} MB at its peak (target < 150 MB)");
    println!("  written to {}", path.display());
    Ok(report)
}

/// The same bytes sealed by age's command line, as many at once as there are clients: MB/s of
/// each run.
fn age_reference(input: &Path, options: &Options) -> anyhow::Result<Vec<f64>> {
    let total_mb = (options.clients as u64 * std::fs::metadata(input)?.len()) as f64 / 1e6;
    let recipient = age::x25519::Identity::generate().to_public().to_string();
    let mut reference = Vec::new();
    for _ in 0..options.runs {
        let started = Instant::now();
        let children: Vec<_> = (0..options.clients)
            .map(|_| {
                std::process::Command::new("age")
                    .args(["-r", &recipient, "-o", "/dev/null"])
                    .arg(input)
                    .spawn()
                    .context("age (Debian's age package) is needed")
            })
            .collect::<anyhow::Result<_>>()?;
        for mut child in children {
            anyhow::ensure!(child.wait()?.success(), "age failed");
        }
        reference.push(total_mb / started.elapsed().as_secs_f64());
    }
    Ok(reference)
}
