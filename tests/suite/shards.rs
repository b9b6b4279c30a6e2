//! Sharded runs: `run --shard K/N` on each part and `merge` give exactly the outputs of one
//! process, byte for byte; mismatched or missing shards are refused.

use std::fs;
use std::path::Path;

use super::cli::{every_file, restock, run_livestream_cmd};

fn run(args: &[&str], out: &Path) {
    run_livestream_cmd(100)
        .arg("--out")
        .arg(out)
        .args(args)
        .assert()
        .success();
}

#[test]
fn merged_shards_equal_one_process_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let single = tmp.path().join("single");
    run(&["--threads", "2"], &single);
    let expected = every_file(&single);
    assert!(expected.contains_key("summary.json"));
    // 100 replications are 7 statistics blocks: N = 7 gives each shard one block, and the
    // others split them unevenly.
    for n in [1u32, 2, 3, 7] {
        let mut dirs = Vec::new();
        for k in 1..=n {
            let d = tmp.path().join(format!("shard-{k}-of-{n}"));
            run(&["--shard", &format!("{k}/{n}"), "--threads", "1"], &d);
            assert!(d.join("partial.json").exists());
            assert!(
                !d.join("summary.json").exists(),
                "a shard writes only its part"
            );
            dirs.push(d);
        }
        // Shards may be listed in any order.
        dirs.reverse();
        let merged = tmp.path().join(format!("merged-{n}"));
        restock()
            .arg("merge")
            .args(&dirs)
            .args(["--quiet", "--out", merged.to_str().unwrap()])
            .assert()
            .success();
        let got = every_file(&merged);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "N = {n}: the same files"
        );
        for (name, a) in &got {
            assert!(
                *a == expected[name],
                "N = {n}: {name} differs from the single process's"
            );
        }
    }
}

#[test]
fn auto_shards_read_slurm_and_kubernetes_indices() {
    let tmp = tempfile::tempdir().unwrap();
    let slurm = tmp.path().join("slurm");
    run_livestream_cmd(40)
        .args(["--shard", "auto", "--out"])
        .arg(&slurm)
        .env("SLURM_ARRAY_TASK_ID", "0")
        .env("SLURM_ARRAY_TASK_MIN", "0")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .assert()
        .success();
    let p: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(slurm.join("partial.json")).unwrap()).unwrap();
    assert_eq!(p["shard"], serde_json::json!({"index": 1, "count": 3}));
    let k8s = tmp.path().join("k8s");
    run_livestream_cmd(40)
        .args(["--shard", "auto/4", "--out"])
        .arg(&k8s)
        .env("JOB_COMPLETION_INDEX", "3")
        .assert()
        .success();
    let p: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(k8s.join("partial.json")).unwrap()).unwrap();
    assert_eq!(p["shard"], serde_json::json!({"index": 4, "count": 4}));
}

fn rejected(cmd: &mut assert_cmd::Command, needle: &str) {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(needle), "no `{needle}` in: {stderr}");
}

#[test]
fn bad_shards_and_incomplete_merges_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let base = || {
        let mut c = run_livestream_cmd(40);
        c.env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("JOB_COMPLETION_INDEX");
        c
    };
    let out = tmp.path().join("never");
    for (arg, needle) in [
        ("0/3", "1 ≤ K ≤ N"),
        ("4/3", "1 ≤ K ≤ N"),
        ("two/3", "not a whole number"),
        ("3", "not K/N"),
        ("auto", "SLURM_ARRAY_TASK_ID"),
        ("auto/3", "JOB_COMPLETION_INDEX"),
    ] {
        rejected(base().args(["--shard", arg, "--out"]).arg(&out), needle);
        assert!(!out.exists());
    }
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    base()
        .args(["--shard", "1/2", "--out"])
        .arg(&a)
        .assert()
        .success();
    base()
        .args(["--shard", "2/2", "--seed", "9", "--out"])
        .arg(&b)
        .assert()
        .success();
    base()
        .args(["--shard", "1/3", "--out"])
        .arg(&c)
        .assert()
        .success();
    let merged = tmp.path().join("merged");
    rejected(
        restock().arg("merge").arg(&a).arg("--out").arg(&merged),
        "need shards 1..2",
    );
    rejected(
        restock()
            .arg("merge")
            .arg(&a)
            .arg(&b)
            .arg("--out")
            .arg(&merged),
        "another run",
    );
    rejected(
        restock()
            .arg("merge")
            .arg(&a)
            .arg(&c)
            .arg("--out")
            .arg(&merged),
        "another run",
    );
    rejected(
        restock()
            .arg("merge")
            .arg(&a)
            .arg(&a)
            .arg("--out")
            .arg(&merged),
        "exactly once",
    );
    rejected(
        restock()
            .arg("merge")
            .arg(tmp.path())
            .arg("--out")
            .arg(&merged),
        "partial.json",
    );
    // A shard from another release: its stamp is reported, not the field its layout lacks.
    let old = tmp.path().join("old");
    std::fs::create_dir(&old).unwrap();
    std::fs::write(
        old.join("partial.json"),
        r#"{"format": "restock-partial-1", "version": "0.0.9", "sketches": [[{"positive": {"offset": 3}}]]}"#,
    )
    .unwrap();
    rejected(
        restock()
            .arg("merge")
            .arg(&old)
            .arg(&b)
            .arg("--out")
            .arg(&merged),
        "another restock version or format (restock-partial-1 0.0.9)",
    );
    assert!(!merged.exists());
}
