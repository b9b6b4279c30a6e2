//! `--set` reaches list items by id (`lanes[sea]`) and appends to lists (`policies[+]`), with
//! the same validation as the file; misuse is exit 2 and names the override.

use std::path::Path;

use restock::Dist;

use super::cli::restock;

const BASIC: &str = include_str!("../../scenarios/livestream-basic.yaml");
const TEXTBOOK: &str = include_str!("../../scenarios/textbook-ss.yaml");

fn load(text: &str, sets: &[&str]) -> Result<restock::Scenario, restock::InputError> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    restock::scenario_from_text(text, Path::new("scenario.yaml"), &sets)
}

fn param(p: &restock::PolicySpec, suffix: &str) -> Option<f64> {
    p.params
        .iter()
        .find(|(n, _)| n == suffix || n.ends_with(&format!(".{suffix}")))
        .and_then(|(_, v)| *v)
}

#[test]
fn set_by_id_reaches_the_item_with_that_id() {
    let sc = load(BASIC, &["lanes[sea].transit_days.fixed=9"]).unwrap();
    let sea = sc.lanes.iter().find(|l| l.id == "sea").unwrap();
    assert_eq!(sea.transit, Dist::Fixed(9.0));
    // The other lane is untouched.
    let before = load(BASIC, &[]).unwrap();
    let air = |s: &restock::Scenario| format!("{:?}", s.lanes.iter().find(|l| l.id == "air"));
    assert_eq!(air(&sc), air(&before));

    // Policies are named, not id'd: `[name]` reaches them too.
    let sc = load(BASIC, &["policies[layered].thresholds.cover_days=12"]).unwrap();
    let layered = sc.policies.iter().find(|p| p.name == "layered").unwrap();
    assert_eq!(param(layered, "cover_days"), Some(12.0));
    let before = before
        .policies
        .iter()
        .find(|p| p.name == "layered")
        .unwrap();
    assert_ne!(param(before, "cover_days"), Some(12.0), "fixture drifted");

    // An index in brackets is an index.
    let sc = load(TEXTBOOK, &["policies[0].reorder_point=150"]).unwrap();
    assert_eq!(param(&sc.policies[0], "reorder_point"), Some(150.0));
}

#[test]
fn set_append_adds_a_list_item() {
    let sc = load(
        TEXTBOOK,
        &[
            "policies[+]={name: my-try, kind: s_S, reorder_point: 120, order_up_to: 260, lane: sea}",
            "policies[my-try].reorder_point=130",
        ],
    )
    .unwrap();
    assert_eq!(sc.policies.len(), 2);
    assert_eq!(sc.policies[1].name, "my-try");
    assert_eq!(param(&sc.policies[1], "reorder_point"), Some(130.0));
    assert_eq!(param(&sc.policies[1], "order_up_to"), Some(260.0));
}

#[test]
fn set_append_is_validated_like_the_file() {
    let e = load(TEXTBOOK, &["policies[+]={name: bad, kind: s_S, lane: sea}"]).unwrap_err();
    assert!(e.to_string().contains("policies.1"), "{e}");
    assert!(e.to_string().contains("set with --set"), "{e}");
}

/// `restock validate` with the overrides: exit code and stderr.
fn validate(sets: &[&str]) -> (Option<i32>, String) {
    let mut cmd = restock();
    cmd.args(["validate", "scenarios/livestream-basic.yaml"]);
    for s in sets {
        cmd.args(["--set", s]);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn set_misuse_is_exit_2_and_named() {
    let (code, err) = validate(&["lanes[rail].transit_days.fixed=9"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--set lanes[rail]"), "{err}");
    assert!(err.contains("no item `rail`"), "{err}");
    assert!(err.contains("`sea`") && err.contains("`air`"), "{err}");

    let (code, err) = validate(&["horizon_days[+]=3"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("`horizon_days` is a number, not a list"),
        "{err}"
    );

    let (code, err) = validate(&["lanes[sea.transit_days.fixed=9"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("without its `]`"), "{err}");

    let (code, err) = validate(&["lanes[sea]transit_days=9"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("after `]`"), "{err}");

    // Sanity: the same command with good overrides is accepted.
    let (code, err) = validate(&[
        "lanes[sea].transit_days.fixed=9",
        "policies[+]={name: extra, kind: s_S, reorder_point: 50, order_up_to: 90, lane: sea}",
    ]);
    assert_eq!(code, Some(0), "{err}");
}
