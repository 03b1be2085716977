//! The project's own scripts: what `scripts/test` counts as its run's leftovers.

use std::process::Command;

fn leftovers(mark: &str) -> String {
    let output = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/leftovers.py"))
        .arg(mark)
        .env_remove("VIGIL_TEST_RUN")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn a_run_finds_the_processes_it_started_by_their_mark_and_no_others() {
    let mark = format!("probe-{}", uuid::Uuid::new_v4().simple());
    let other = format!("probe-{}", uuid::Uuid::new_v4().simple());
    let mut ours = Command::new("sleep")
        .arg("60")
        .env("VIGIL_TEST_RUN", &mark)
        .spawn()
        .unwrap();
    let mut theirs = Command::new("sleep")
        .arg("60")
        .env("VIGIL_TEST_RUN", &other)
        .spawn()
        .unwrap();
    let found = leftovers(&mark);
    assert!(found.contains(&format!("{} sleep 60", ours.id())), "{found}");
    assert!(
        !found.contains(&theirs.id().to_string()),
        "another run's process was counted: {found}"
    );
    ours.kill().unwrap();
    ours.wait().unwrap();
    theirs.kill().unwrap();
    theirs.wait().unwrap();
    assert_eq!(leftovers(&mark), "", "a process that ended is still counted");
}
