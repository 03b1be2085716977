//! `vigil workflows check` and `graph`, and `serve` refusing invalid definitions.

use std::path::Path;

use crate::support::{stderr, vigil};

fn copy_shipped(to: &Path) {
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/workflows"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
    {
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn check_prints_one_line_per_valid_workflow() {
    let home = tempfile::tempdir().unwrap();
    let output = vigil(home.path()).args(["workflows", "check"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let names: Vec<&str> = stdout.lines().map(|line| line.split(':').next().unwrap()).collect();
    assert_eq!(
        names,
        [
            "demarche",
            "eusr_review",
            "protection_referral",
            "raise_in_dialogue",
            "trial_observation",
            "messages"
        ]
    );
    assert!(
        stdout.lines().take(5).all(|line| line.contains(": ok, version ")),
        "{stdout}"
    );
    assert!(
        stdout.contains("messages: ok, 41 keys in English; languages en, es, fr"),
        "{stdout}"
    );
}

#[test]
fn check_names_a_message_key_without_an_english_text() {
    let dir = tempfile::tempdir().unwrap();
    copy_shipped(dir.path());
    // A reminder of the trial workflow says something no catalog has a text for …
    let trial = dir.path().join("trial_observation.toml");
    let text = std::fs::read_to_string(&trial).unwrap();
    let changed = text.replacen(
        "message = \"trial.hearing_tomorrow\"",
        "message = \"trial.hearing_at_dawn\"",
        1,
    );
    assert_ne!(text, changed);
    std::fs::write(&trial, changed).unwrap();
    let home = tempfile::tempdir().unwrap();
    let output = vigil(home.path())
        .args(["workflows", "check", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let error = stderr(&output);
    assert!(
        error.contains("en.ftl") && error.contains("trial.hearing_at_dawn"),
        "{error}"
    );

    // … until an English text is written for it beside the workflows, which is enough.
    let messages = dir.path().join("messages");
    std::fs::create_dir(&messages).unwrap();
    std::fs::write(
        messages.join("en.ftl"),
        "reminder-trial-hearing_at_dawn = The hearing is at dawn\n",
    )
    .unwrap();
    let output = vigil(home.path())
        .args(["workflows", "check", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
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
    std::fs::write(dir.path().join("broken.toml"), "name = \"broken\"\ntitle = \n").unwrap();
    let home = tempfile::tempdir().unwrap();
    let output = vigil(home.path())
        .args(["workflows", "check", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let errors = stderr(&output);
    let demarche_line = text.lines().position(|l| l.trim() == "to = \"hod_review\"").unwrap();
    let action_line = text[..text.find("[actions.submit]").unwrap()].lines().count() + 1;
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
    std::fs::write(dir.path().join("eusr_review.toml"), "name = \"eusr_review\"\n").unwrap();
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
    assert!(
        dot.contains("hod_review -> hq_clearance [label=\"approve (needs_hq_clearance=true) [head_of_delegation]\"]"),
        "{dot}"
    );
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

#[test]
fn serve_records_versions_and_a_changed_file_becomes_a_new_version_beside_the_old() {
    use diesel::connection::SimpleConnection;

    let db = crate::support::TestDb::migrated();
    let dir = tempfile::tempdir().unwrap();
    copy_shipped(dir.path());
    let serve_once = || {
        let home = crate::support::reachable_home();
        let mut command = vigil(home.path());
        command
            .env("DATABASE_URL", db.url.expose())
            .env("VIGIL_WORKFLOWS_DIR", dir.path());
        let mut serve = crate::support::Serve::start(command);
        assert!(serve.stop().success());
    };
    serve_once();
    let recorded = vigil::store::workflows::list(&mut db.connect()).unwrap();
    assert_eq!(recorded.len(), 5);
    let old = recorded.iter().find(|r| r.name == "demarche").unwrap().version.clone();

    // Two procedures on the old version: one running, one closed.
    db.connect()
        .batch_execute(&format!(
            "INSERT INTO delegations (code, name) VALUES ('EUD_XX', 'Test delegation');
             INSERT INTO users (id, email, display_name, role, delegation)
                 VALUES ('00000000-0000-0000-0000-000000000001', 'fp@example.org', 'FP', 'focal_point', 'EUD_XX');
             INSERT INTO cases (delegation, id, reference, country, themes, risk, owner_id, sealed)
                 VALUES ('EUD_XX', '00000000-0000-0000-0000-00000000000c', 'VG-2026-00001', 'XX', '{{MEDIA}}', 'high',
                         '00000000-0000-0000-0000-000000000001', '\\x00');
             INSERT INTO procedures (delegation, id, case_id, workflow, workflow_version, state) VALUES
                 ('EUD_XX', '00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-00000000000c', 'demarche', '{old}', 'draft'),
                 ('EUD_XX', '00000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-00000000000c', 'demarche', '{old}', 'closed');"
        ))
        .unwrap();

    let file = dir.path().join("demarche.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace("title = \"Démarche\"", "title = \"Démarche (revised)\""),
    )
    .unwrap();
    serve_once();

    let home = tempfile::tempdir().unwrap();
    let output = vigil(home.path())
        .args(["workflows", "list"])
        .env("DATABASE_URL", db.url.expose())
        .env("VIGIL_WORKFLOWS_DIR", dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let demarche: Vec<&str> = stdout.lines().filter(|l| l.starts_with("demarche ")).collect();
    assert_eq!(demarche.len(), 2, "{stdout}");
    let older = demarche.iter().find(|l| l.contains(&old)).unwrap();
    assert!(
        older.contains("older") && older.ends_with("1 running, 2 in all"),
        "{older}"
    );
    let current = demarche.iter().find(|l| !l.contains(&old)).unwrap();
    assert!(
        current.contains("current") && current.ends_with("0 running, 0 in all"),
        "{current}"
    );
}
