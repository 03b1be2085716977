//! The container image's promises, checked in the Dockerfile (no Docker engine runs in CI).
#![allow(clippy::unwrap_used)]

fn dockerfile() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Dockerfile")).unwrap()
}

#[test]
fn the_image_runs_vigil_serve_as_a_non_root_user_with_a_healthcheck() {
    let text = dockerfile();
    let user = text
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix("USER "))
        .expect("a USER line");
    assert_ne!(user.trim(), "root");
    assert!(text.contains("EXPOSE 8080"));
    assert!(text.contains(r#"HEALTHCHECK"#) && text.contains(r#"CMD ["vigil", "healthcheck"]"#));
    assert!(text.contains(r#"ENTRYPOINT ["vigil", "serve"]"#));
    assert!(text.matches("\nFROM ").count() >= 2, "not a multi-stage build");
    assert!(text.contains("libpq5"));
}

#[test]
fn the_image_turns_the_embedded_cluster_off() {
    assert!(dockerfile().contains("VIGIL_EMBEDDED_DB=false"));
}
