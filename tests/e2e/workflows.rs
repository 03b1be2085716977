//! `vigil workflows check` and `graph`, and `serve` refusing invalid definitions.

use std::path::Path;

use crate::support::{stderr, vigil};

fn copy_shipped(to: &Path) {
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/workflows"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn check_prints_one_line_per_valid_workflow() {
    let home = tempfile::tempdir().unwrap();
    let output = vigil(home.path())
        .args(["workflows", "check"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let names: Vec<&str> = stdout
        .lines()
        .map(|line| line.split(':').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "demarche",
            "eusr_review",
            "protection_referral",
            "raise_in_dialogue",
            "trial_observation"
        ]
    );
    assert!(
        stdout.lines().all(|line| line.contains(": ok, version ")),
        "{stdout}"
    );
}

#[test]
fn check_lists_every_problem_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    copy_shipped(dir.path());
    let demarche = dir.path().join("demarche.toml");
    let text = std::fs::read_to_string(&demarche).unwrap();
    std::fs::write(
        &demarche,
        text.replacen("to = \"hod_review\"", "to = \"hod_reveiw\"", 1),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("broken.toml"),
        "name = \"broken\"\ntitle = \n",
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let output = vigil(home.path())
        .args(["workflows", "check", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let errors = stderr(&output);
    let demarche_line = text
        .lines()
        .position(|l| l.trim() == "to = \"hod_review\"")
        .unwrap();
    let action_line = text[..text.find("[actions.submit]").unwrap()]
        .lines()
        .count()
        + 1;
    assert!(demarche_line > 0);
    assert!(
        errors.contains(&format!(
            "demarche.toml:{action_line}: action `submit` leads to unknown state `hod_reveiw`"
        )),
        "{errors}"
    );
    assert!(errors.contains("broken.toml:2:"), "{errors}");
}

#[test]
fn serve_refuses_to_start_on_an_invalid_definition_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    copy_shipped(dir.path());
    std::fs::write(
        dir.path().join("eusr_review.toml"),
        "name = \"eusr_review\"\n",
    )
    .unwrap();
    let parent = tempfile::tempdir().unwrap();
    let home = parent.path().join("home");
    let output = vigil(&home)
        .arg("serve")
        .env("VIGIL_WORKFLOWS_DIR", dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("invalid workflow definitions"),
        "{}",
        stderr(&output)
    );
    assert!(!home.exists());
}

#[test]
fn graph_prints_dot_and_mermaid() {
    let home = tempfile::tempdir().unwrap();
    let dot = vigil(home.path())
        .args(["workflows", "graph", "demarche"])
        .output()
        .unwrap();
    assert!(dot.status.success(), "{}", stderr(&dot));
    let dot = String::from_utf8(dot.stdout).unwrap();
    assert!(dot.starts_with("digraph \"demarche\""));
    assert!(dot.contains("hod_review -> hq_clearance [label=\"approve (needs_hq_clearance=true) [head_of_delegation]\"]"), "{dot}");
    let mermaid = vigil(home.path())
        .args(["workflows", "graph", "demarche", "--format", "mermaid"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(mermaid.stdout)
            .unwrap()
            .starts_with("stateDiagram-v2")
    );
    let unknown = vigil(home.path())
        .args(["workflows", "graph", "nope"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("no workflow `nope`; known: demarche"));
}
