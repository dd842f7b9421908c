//! The README's first example, built as a crate of its own that depends only on `gracepoint`
//! (as a new user's crate would), and run.

use std::path::{Path, PathBuf};
use std::process::Command;

fn first_rust_block(readme: &str) -> String {
    let start = readme
        .find("```rust\n")
        .expect("the README has a rust example")
        + "```rust\n".len();
    let end = start + readme[start..].find("```").expect("the example block ends");
    readme[start..end].to_owned()
}

#[test]
fn the_readme_example_builds_and_runs_against_the_facade_alone() {
    // The crate's own README.md (the workspace's, through a symbolic link that `cargo package`
    // turns into a file), so that the test also runs from the published package.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(manifest.join("README.md")).unwrap();
    let example = first_rust_block(&readme);
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir: PathBuf = scratch.join("readme-crate");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"readme-example\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
             publish = false\n\n[dependencies]\ngracepoint = {{ path = {:?} }}\n\n[workspace]\n",
            manifest.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), example).unwrap();
    let status = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", scratch.join("readme-crate-target"))
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "the README example failed to build or run"
    );
}
