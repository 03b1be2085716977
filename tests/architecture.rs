//! Checks the import invariants of ARCHITECTURE.md by reading `src/`.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The file's code with `//` comments removed, so prose may name anything.
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `token` stands in `code` as a path segment of its own (`diesel::`, `age::x25519`).
fn mentions(code: &str, token: &str) -> bool {
    code.match_indices(token).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + token.len()..].chars().next();
        // A token ending in `::` is a path prefix: what follows it is part of the path.
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && (token.ends_with("::") || !after.is_some_and(|c| c.is_alphanumeric() || c == '_'))
    })
}

struct Source {
    /// Relative to `src/`, with `/` separators.
    name: String,
    code: String,
}

fn all_sources() -> Vec<Source> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    sources(&src)
        .into_iter()
        .map(|path| Source {
            name: path.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/"),
            code: code(&path),
        })
        .collect()
}

fn violations(allowed: impl Fn(&str) -> bool, tokens: &[&str]) -> Vec<String> {
    all_sources()
        .iter()
        .filter(|source| !allowed(&source.name))
        .flat_map(|source| {
            tokens
                .iter()
                .filter(|token| mentions(&source.code, token))
                .map(|token| format!("{} uses {token}", source.name))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn domain_and_workflow_do_no_io_and_never_read_the_clock() {
    let pure = |name: &str| name.starts_with("domain/") || name.starts_with("workflow/");
    let found = violations(
        |name| !pure(name),
        &[
            "diesel",
            "actix_web",
            "lettre",
            "age::",
            "tokio",
            "std::fs",
            "std::net",
            "std::process",
            "Utc::now",
            "Local::now",
            "SystemTime::now",
            "Instant::now",
        ],
    );
    assert!(found.is_empty(), "pure modules doing I/O: {found:#?}");
}

#[test]
fn only_store_speaks_sql() {
    let found = violations(
        |name| name.starts_with("store/"),
        &["diesel", "diesel_migrations", "sql_query"],
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn only_crypto_touches_age() {
    // `age::` as a path: the tool's name in prose or messages (`age-keygen`) is no use of the crate.
    let found = violations(|name| name.starts_with("crypto/"), &["age::"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn only_mail_touches_lettre() {
    let found = violations(|name| name.starts_with("mail/"), &["lettre"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn mail_stands_on_its_own() {
    // Reminders, sign-in links and any notification use `mail/`; it uses none of them, so
    // there is no cycle, and no row or case type can reach a message by the back door.
    let found: Vec<String> = all_sources()
        .iter()
        .filter(|source| source.name.starts_with("mail/"))
        .filter(|source| mentions(&source.code, "crate::"))
        .map(|source| format!("{} uses crate::", source.name))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn only_http_touches_actix_web() {
    let found = violations(|name| name.starts_with("http/"), &["actix_web", "actix_rt"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_store_depends_on_nothing_above_it() {
    // Arrows point down: the application layer, the web, reminders, mail and metrics call the
    // store, never the other way (a store function returning a metrics type made a circle once).
    let found = violations(
        |name| !name.starts_with("store/"),
        &[
            "crate::cases",
            "crate::http",
            "crate::reminders",
            "crate::mail",
            "crate::metrics",
            "crate::cli",
        ],
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn nothing_of_the_service_uses_the_bench_crate() {
    let found = violations(|_| false, &["vigil_bench"]);
    assert!(found.is_empty(), "{found:#?}");
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let dependencies = manifest.split("[workspace]").next().unwrap();
    assert!(
        !dependencies.contains("vigil-bench"),
        "the service depends on its bench"
    );
}

#[test]
fn the_checker_sees_what_it_checks() {
    assert!(mentions("use diesel::prelude::*;", "diesel"));
    assert!(mentions("let x = age::x25519::Identity::generate();", "age::"));
    assert!(!mentions("bail!(\"run `age-keygen`\")", "age::"));
    assert!(!mentions("let page = 3; let usage::x = 1;", "age::"));
    assert!(!mentions("let x = 1;", "diesel"));
    assert_eq!(code_of("let a = 1; // diesel::x"), "let a = 1; ");
}

fn code_of(text: &str) -> String {
    let file = std::env::temp_dir().join(format!("vigil-arch-{}.rs", std::process::id()));
    std::fs::write(&file, text).unwrap();
    let result = code(&file);
    std::fs::remove_file(&file).unwrap();
    result
}

#[test]
fn architecture_md_maps_every_module() {
    let map = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md")).unwrap();
    for source in all_sources() {
        let module = source.name.split('/').next().unwrap();
        let shown = if source.name.contains('/') {
            format!("`{module}/`")
        } else {
            format!("`{module}`")
        };
        assert!(
            map.contains(&shown),
            "ARCHITECTURE.md's code map does not mention {shown}"
        );
    }
}
