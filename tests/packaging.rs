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

/// The build stage copies everything the crate compiles in: the build script, the sources,
/// the migrations (embedded), and any file outside `src/` that a source `include_str!`s.
#[test]
fn the_build_stage_copies_everything_the_crate_compiles_in() {
    let text = dockerfile();
    let build_stage = text.split("\nFROM ").nth(1).unwrap_or(&text);
    let copied: Vec<&str> = build_stage
        .lines()
        .filter_map(|line| line.strip_prefix("COPY "))
        .flat_map(|line| line.split_whitespace())
        .collect();
    // Cargo reads every workspace member's manifest, even to build one package.
    for needed in ["Cargo.toml", "Cargo.lock", "build.rs", "src", "migrations", "bench"] {
        assert!(copied.contains(&needed), "the build stage does not copy {needed}");
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pending = vec![root.join("src")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap_or_default();
            for included in source.split("include_str!(\"").skip(1) {
                let relative = included.split('"').next().unwrap();
                let file = path.parent().unwrap().join(relative).canonicalize().unwrap();
                let top = file.strip_prefix(root).unwrap().components().next().unwrap();
                let top = top.as_os_str().to_str().unwrap();
                assert!(
                    copied.contains(&top),
                    "{} includes {relative}, under {top}/, which the build stage does not copy",
                    path.display()
                );
            }
        }
    }
}
