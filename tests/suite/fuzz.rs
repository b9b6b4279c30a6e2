//! Mutated scenario files never panic the parser or the validator (bounded property test).

use std::path::Path;

use proptest::prelude::*;

const TEXTBOOK: &str = include_str!("../../scenarios/textbook-ss.yaml");
const PEAK: &str = include_str!("../../scenarios/peak-season.yaml");

/// Replacement tokens that users (and mutations) put where values belong.
const TOKENS: &[&str] = &[
    "",
    "-1",
    "0",
    "1e309",
    "-0.0",
    ".nan",
    ".inf",
    "~",
    "null",
    "[]",
    "{}",
    "[1, 2]",
    "{a: 1}",
    "\"\"",
    "'x'",
    "&a 1",
    "*a",
    "!!binary AAAA",
    "99999999999999999999",
    "2026-13-45",
    "yes",
    "s_S",
    "r_Q",
    "base_stock",
    "lost",
    ":",
    "- -",
    "\t",
    "\u{0}",
];

fn mutate(text: &str, ops: &[(u8, usize, usize)]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for &(op, a, b) in ops {
        if lines.is_empty() {
            break;
        }
        let i = a % lines.len();
        match op % 5 {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[b % lines.len()].clone();
                lines.insert(i, l);
            }
            2 => {
                // Replace the value after the first colon.
                if let Some(p) = lines[i].find(':') {
                    let head = lines[i][..=p].to_string();
                    lines[i] = format!("{head} {}", TOKENS[b % TOKENS.len()]);
                }
            }
            3 => {
                // Shift indentation.
                if b % 2 == 0 {
                    lines[i].insert_str(0, "  ");
                } else {
                    lines[i] = lines[i].trim_start().to_string();
                }
            }
            _ => {
                // Truncate the line at a char boundary.
                let cut = lines[i]
                    .char_indices()
                    .nth(b % (lines[i].len() + 1))
                    .map(|c| c.0);
                if let Some(c) = cut {
                    lines[i].truncate(c);
                }
            }
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_scenarios_are_accepted_or_rejected_but_never_panic(
        ops in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 1..6),
        set in prop::option::of(("[a-z_.0-9]{1,24}", "[ -~]{0,12}")),
    ) {
        let text = mutate(TEXTBOOK, &ops);
        let overrides: Vec<String> = set.into_iter().map(|(p, v)| format!("{p}={v}")).collect();
        let _ = restock::scenario_from_text(&text, Path::new("fuzz.yaml"), &overrides);
    }

    /// The supply half of the format (suppliers, peaks, customs, fallbacks, disruptions): a
    /// mutation that still validates must also simulate without a panic.
    #[test]
    fn mutated_supply_scenarios_validate_or_are_rejected_and_valid_ones_run(
        ops in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 1..6),
    ) {
        let text = mutate(PEAK, &ops);
        if let Ok(mut sc) = restock::scenario_from_text(&text, Path::new("fuzz.yaml"), &[]) {
            sc.replications = 1;
            let opts = restock::RunOptions { threads: 1, progress: false };
            restock::run(&sc, &opts).expect("a valid scenario runs");
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = restock::scenario_from_text(&text, Path::new("fuzz.yaml"), &[]);
    }
}
