//! The notes pull code from compiled sources with mdBook's
//! `{{#include path:anchor}}`, so that code in the notes cannot rot. This
//! test makes the promise hold without mdBook installed: every include names
//! a file that exists and, when it names an anchor, the file marks that
//! anchor with `ANCHOR: name` and `ANCHOR_END: name`. It also checks that
//! every chapter listed in `SUMMARY.md` exists.

use std::path::{Path, PathBuf};

fn notes_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../notes/src")
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            markdown_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

#[test]
fn every_include_resolves_to_a_file_and_anchor() {
    let mut files = Vec::new();
    markdown_files(&notes_src(), &mut files);
    let mut checked = 0;
    for md in &files {
        let text = std::fs::read_to_string(md).expect("read chapter");
        for (i, line) in text.lines().enumerate() {
            let Some(start) = line.find("{{#include ") else {
                continue;
            };
            let rest = &line[start + "{{#include ".len()..];
            let spec = rest
                .split("}}")
                .next()
                .expect("include is closed with }}")
                .trim();
            // `file`, `file:anchor`, or a line range `file:5`, `file:5:9`,
            // `file::9` (mdBook's forms; paths hold no colon).
            let (path, anchor) = match spec.split_once(':') {
                Some((p, r)) if r.chars().all(|c| c.is_ascii_digit() || c == ':') => (p, None),
                Some((p, a)) => (p, Some(a)),
                None => (spec, None),
            };
            let target = md.parent().expect("chapter has a folder").join(path);
            let where_ = format!("{}:{}", md.display(), i + 1);
            let source = std::fs::read_to_string(&target)
                .unwrap_or_else(|e| panic!("{where_}: {} does not resolve: {e}", target.display()));
            if let Some(a) = anchor {
                assert!(
                    source.contains(&format!("ANCHOR: {a}")),
                    "{where_}: no `ANCHOR: {a}` in {path}"
                );
                assert!(
                    source.contains(&format!("ANCHOR_END: {a}")),
                    "{where_}: no `ANCHOR_END: {a}` in {path}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "the notes include no code at all");
}

#[test]
fn every_summary_entry_exists() {
    let summary = std::fs::read_to_string(notes_src().join("SUMMARY.md")).expect("SUMMARY.md");
    for line in summary.lines() {
        let Some(open) = line.find("](") else {
            continue;
        };
        let link = &line[open + 2..];
        let link = link.split(')').next().expect("link is closed");
        assert!(
            notes_src().join(link).is_file(),
            "SUMMARY.md lists {link}, which does not exist"
        );
    }
}
