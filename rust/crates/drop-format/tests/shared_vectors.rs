//! Runs every drop of `shared/test-vectors/` through the crate and checks the verdict that
//! `expected.json` records (the one TypeScript's `verifyDrop` reaches), so the two
//! validators cannot disagree silently.

use std::path::PathBuf;

use drop_format::{read_drop, DropLimits};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/test-vectors")
}

#[test]
fn judges_every_shared_test_vector_as_typescript_does() {
    let dir = vectors_dir();
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    assert_eq!(expected["format"], "zamperla.drop-test-vectors/v1");
    let vectors = expected["vectors"].as_array().unwrap();
    // Guards against an empty or half-read folder making this test pass vacuously.
    assert!(vectors.len() >= 20, "only {} vectors", vectors.len());

    let mut disagreements = Vec::new();
    for v in vectors {
        let file = v["file"].as_str().unwrap();
        let bytes = std::fs::read(dir.join("drops").join(file)).unwrap();
        let verdict = read_drop(&bytes, v["fileName"].as_str(), &DropLimits::default());
        match (v["ok"].as_bool().unwrap(), verdict) {
            (true, Ok(drop)) => {
                for (key, got) in [("sha256", &drop.sha256), ("contentId", &drop.content_id)] {
                    if let Some(want) = v[key].as_str() {
                        if want != got {
                            disagreements.push(format!("{file}: {key} {got}, expected {want}"));
                        }
                    }
                }
            }
            (true, Err(e)) => disagreements.push(format!(
                "{file}: rejected ({}: {}), expected valid",
                e.code.as_str(),
                e.message
            )),
            (false, Ok(_)) => disagreements.push(format!(
                "{file}: accepted, expected {}",
                v["code"].as_str().unwrap()
            )),
            (false, Err(e)) => {
                let want = v["code"].as_str().unwrap();
                if e.code.as_str() != want {
                    disagreements.push(format!(
                        "{file}: code {} ({}), expected {want}",
                        e.code.as_str(),
                        e.message
                    ));
                }
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
