//! Splitting a migration script into its statements, so the migrator can
//! tell what a script holds before running any of it (on MySQL, where each
//! DDL statement commits by itself, a script mixing several cannot be
//! undone halfway, so it is refused up front).
//!
//! A `;` ends a statement unless it sits inside a quoted string (`'...'`,
//! `"..."`, with `''` doubling and a backslash escaping the next
//! character, as MySQL's default `sql_mode` reads them), a quoted name
//! (`` `...` ``) or a comment (`-- ` or `#` to the end of the line,
//! `/* ... */`). An unterminated quote or comment runs to the end of the
//! script; the database reports the syntax error when it runs.

/// The statements of `script`, each trimmed, empty ones left out.
pub(crate) fn statements(script: &str) -> Vec<&str> {
    let bytes = script.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        i = match bytes[i] {
            q @ (b'\'' | b'"' | b'`') => skip_quoted(bytes, i + 1, q),
            b'#' => skip_line(bytes, i),
            b'-' if bytes.get(i + 1) == Some(&b'-') => skip_line(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => skip_block(bytes, i + 2),
            b';' => {
                push(&mut out, &script[start..i]);
                start = i + 1;
                i + 1
            }
            _ => i + 1,
        };
    }
    push(&mut out, &script[start.min(script.len())..]);
    out
}

fn push<'a>(out: &mut Vec<&'a str>, piece: &'a str) {
    let piece = piece.trim();
    if !piece.is_empty() {
        out.push(piece);
    }
}

/// The index after the quote that closes one opened just before `i`.
fn skip_quoted(bytes: &[u8], mut i: usize, q: u8) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            // Backslash escapes in strings, not in quoted names.
            b'\\' if q != b'`' => i += 2,
            b if b == q => {
                if bytes.get(i + 1) == Some(&q) {
                    i += 2; // a doubled quote is one literal quote
                } else {
                    return i + 1;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The index of the newline ending the comment at `i` (or the end).
fn skip_line(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| i + p)
}

/// The index after the `*/` closing a block comment whose body starts at `i`.
fn skip_block(bytes: &[u8], i: usize) -> usize {
    bytes
        .get(i..)
        .and_then(|rest| rest.windows(2).position(|w| w == b"*/"))
        .map_or(bytes.len(), |p| i + p + 2)
}

/// Whether `statement` is DDL that MySQL commits implicitly (the schema
/// statements; MySQL's full list also names account and lock statements,
/// which migrations do not hold).
pub(crate) fn is_ddl(statement: &str) -> bool {
    let head = statement
        .split(|c: char| !c.is_ascii_alphabetic())
        .find(|w| !w.is_empty())
        .unwrap_or("");
    ["CREATE", "ALTER", "DROP", "RENAME", "TRUNCATE"]
        .iter()
        .any(|k| head.eq_ignore_ascii_case(k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        let script = "CREATE TABLE a (x TEXT DEFAULT ';');\n\
                      -- a comment; still a comment\n\
                      INSERT INTO a VALUES ('it''s; fine', 'back\\'slash;'); /* ; */ \
                      SELECT `we;ird` FROM a # trailing;\n;;";
        assert_eq!(
            statements(script),
            [
                "CREATE TABLE a (x TEXT DEFAULT ';')",
                "-- a comment; still a comment\nINSERT INTO a VALUES ('it''s; fine', 'back\\'slash;')",
                "/* ; */ SELECT `we;ird` FROM a # trailing;",
            ]
        );
    }

    #[test]
    fn unterminated_quotes_run_to_the_end() {
        assert_eq!(statements("SELECT 'a; b"), ["SELECT 'a; b"]);
        assert_eq!(statements("SELECT 1 /* ; "), ["SELECT 1 /* ;"]);
        assert!(statements(" ; ;\n").is_empty());
    }

    #[test]
    fn ddl_is_recognised_by_its_first_word() {
        assert!(is_ddl("create table t (x int)"));
        assert!(is_ddl("  ALTER TABLE t ADD COLUMN y INT"));
        assert!(!is_ddl("INSERT INTO t VALUES (1)"));
        assert!(!is_ddl("UPDATE created SET x = 1"));
    }

    /// Statements without quotes, comments or semicolons of their own.
    fn plain_statement() -> impl Strategy<Value = String> {
        "[A-Za-z0-9 ,()=<>*+]{1,30}".prop_filter("not blank", |s| !s.trim().is_empty())
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
            let parts = statements(&s);
            prop_assert!(parts.iter().all(|p| !p.is_empty() && s.contains(p)));
        }

        #[test]
        fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..200)) {
            let s = String::from_utf8_lossy(&b);
            let _ = statements(&s);
        }

        #[test]
        fn joined_statements_split_back(parts in proptest::collection::vec(plain_statement(), 0..8)) {
            let script = parts.join(";\n");
            let want: Vec<&str> = parts.iter().map(|p| p.trim()).collect();
            prop_assert_eq!(statements(&script), want);
        }

        #[test]
        fn quoted_semicolons_never_split(inner in "[a-z; ]{0,20}") {
            let script = format!("INSERT INTO t VALUES ('{inner}')");
            prop_assert_eq!(statements(&script), vec![script.as_str()]);
        }
    }
}
