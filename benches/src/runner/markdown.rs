//! Free text made safe for the Markdown of `summary.md`: what a comparison
//! writes (its description, a server's configuration, a note) is prose
//! that names things like `key:<n>`, and mdBook passes a bare `<n>` through
//! as an HTML tag — the reader sees nothing, and the build warns of an
//! unclosed tag. Inside a code span the same text renders literally, so
//! only the text outside code spans is escaped.

/// `text` with `<` and `>` outside code spans written as `&lt;` / `&gt;`.
///
/// A code span opens with a run of backticks and closes with a run of the
/// same length (CommonMark); a run that is never closed is literal text.
pub fn text(text: &str) -> String {
    escape(text, false)
}

/// [`text`] for a table cell: a `|` outside code spans is escaped too, so
/// it does not end the cell.
pub fn cell(text: &str) -> String {
    escape(text, true)
}

fn escape(text: &str, in_table: bool) -> String {
    segments(text)
        .into_iter()
        .map(|(part, code)| match (code, in_table) {
            (false, _) => escape_plain(part, in_table),
            // A `|` ends a table cell even inside a code span (GFM).
            (true, true) => part.replace('|', r"\|"),
            (true, false) => part.to_string(),
        })
        .collect()
}

/// `text` cut into `(part, is_code_span)`, in order. A code span opens
/// with a run of backticks and closes with a run of the same length; an
/// opening run never closed is prose.
fn segments(text: &str) -> Vec<(&str, bool)> {
    let mut parts = Vec::new();
    let mut prose_from = 0;
    let mut at = 0;
    while let Some(open) = text[at..].find('`').map(|i| at + i) {
        let run = text[open..].len() - text[open..].trim_start_matches('`').len();
        match closing(&text[open + run..], run) {
            Some(close) => {
                let end = open + run + close + run;
                parts.push((&text[prose_from..open], false));
                parts.push((&text[open..end], true));
                prose_from = end;
                at = end;
            }
            None => at = open + run,
        }
    }
    parts.push((&text[prose_from..], false));
    parts.retain(|(p, _)| !p.is_empty());
    parts
}

/// Where a run of exactly `run` backticks starts in `s`.
fn closing(s: &str, run: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let len = bytes[i..].iter().take_while(|&&b| b == b'`').count();
            if len == run {
                return Some(i);
            }
            i += len;
        } else {
            i += 1;
        }
    }
    None
}

fn escape_plain(s: &str, in_table: bool) -> String {
    let s = s.replace('<', "&lt;").replace('>', "&gt;");
    if in_table { s.replace('|', r"\|") } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn angle_brackets_are_escaped_outside_code_spans_only() {
        assert_eq!(
            text("kv-cache-server --port <port> (`key:<n>`)"),
            "kv-cache-server --port &lt;port&gt; (`key:<n>`)"
        );
        assert_eq!(text("a `` b`<c>` `` <d>"), "a `` b`<c>` `` &lt;d&gt;");
        // An unclosed backtick is literal, and what follows is still prose.
        assert_eq!(text("it`s <e>"), "it`s &lt;e&gt;");
        assert_eq!(cell("-P <1|16>"), r"-P &lt;1\|16&gt;");
        assert_eq!(cell("`a|b`"), r"`a\|b`");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Whatever the text, no `<` is left outside a code span, and text
        /// without markup characters comes back unchanged.
        #[test]
        fn no_bare_tag_survives(s in "[a-z<>`| ]{0,40}") {
            let out = text(&s);
            proptest::prop_assert!(!outside_code(&out).contains('<'));
            let plain: String = s.chars().filter(|c| !"<>`|".contains(*c)).collect();
            proptest::prop_assert_eq!(text(&plain), plain);
        }
    }

    fn outside_code(s: &str) -> String {
        segments(s)
            .into_iter()
            .filter(|(_, code)| !code)
            .map(|(p, _)| p)
            .collect()
    }
}
