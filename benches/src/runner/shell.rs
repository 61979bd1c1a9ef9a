//! Commands as a reader can paste them: every word quoted for a POSIX
//! shell, and values the runner picks at run time (a free port) shown as a
//! shell variable (`$PORT`) rather than a number that will be taken by
//! something else tomorrow.
//!
//! Why not `<port>`: pasted into a shell, `<port>` is a redirection from a
//! file named `port`, and in Markdown outside a code span it is an HTML
//! tag that mdBook swallows. `$PORT` runs once the reader sets `PORT`, and
//! renders as itself everywhere.

use std::borrow::Cow;

/// The variable the summaries use for a free loopback port picked by the runner.
pub const PORT: &str = "PORT";

/// Characters that never need quoting in a POSIX shell word.
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_./:=,+@%^".contains(c)
}

/// `word` as one shell word: unchanged when it is plain, else in single
/// quotes (a `'` inside becomes `'\''`). The empty word is `''`, so that
/// `--save ''` prints as what ran rather than `--save ` with the empty
/// argument lost.
pub fn quote(word: &str) -> Cow<'_, str> {
    if !word.is_empty() && word.chars().all(is_plain) {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(format!("'{}'", word.replace('\'', r"'\''")))
    }
}

/// The words joined into one command line, each quoted.
pub fn join<S: AsRef<str>>(words: &[S]) -> String {
    join_with(words, &[])
}

/// [`join`], with every occurrence of a run-time value shown as its
/// variable: `vars` are `(name, value)`, e.g. `(PORT, "34567")`, and a word
/// `http://127.0.0.1:34567/x` prints as `http://127.0.0.1:$PORT/x`.
///
/// A value only matches where no ASCII digit touches it on either side, so
/// port `20000` never rewrites `-n 200000`.
pub fn join_with<S: AsRef<str>>(words: &[S], vars: &[(&str, &str)]) -> String {
    words
        .iter()
        .map(|w| word_with(w.as_ref(), vars))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One word with its run-time values replaced (see [`join_with`]).
fn word_with(word: &str, vars: &[(&str, &str)]) -> String {
    let Some((at, name, len)) = first_var(word, vars) else {
        return quote(word).into_owned();
    };
    let (before, rest) = word.split_at(at);
    let after = &rest[len..];
    // `${PORT}` when a name character follows, which would lengthen the name.
    let var = if after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        format!("${{{name}}}")
    } else {
        format!("${name}")
    };
    let head = if before.is_empty() {
        String::new()
    } else {
        quote(before).into_owned()
    };
    let tail = if after.is_empty() {
        String::new()
    } else {
        word_with(after, vars)
    };
    format!("{head}{var}{tail}")
}

/// The earliest match of a variable's value in `word`: `(offset, name, length)`.
fn first_var<'a>(word: &str, vars: &[(&'a str, &str)]) -> Option<(usize, &'a str, usize)> {
    let bytes = word.as_bytes();
    let digit_at = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    vars.iter()
        .filter(|(_, value)| !value.is_empty())
        .flat_map(|&(name, value)| {
            word.match_indices(value)
                .filter(move |&(at, _)| {
                    let before = at.checked_sub(1).is_some_and(digit_at);
                    !before && !digit_at(at + value.len())
                })
                .map(move |(at, _)| (at, name, value.len()))
        })
        .min_by_key(|&(at, _, _)| at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_and_others_are_single_quoted() {
        assert_eq!(quote("--appendonly"), "--appendonly");
        assert_eq!(quote(""), "''");
        assert_eq!(
            quote("90:GET key:__rand_int__"),
            "'90:GET key:__rand_int__'"
        );
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(
            join(&["redis-server", "--save", "", "--appendonly", "no"]),
            "redis-server --save '' --appendonly no"
        );
    }

    #[test]
    fn run_time_values_become_variables_only_at_digit_boundaries() {
        let vars = [(PORT, "20000")];
        assert_eq!(
            join_with(&["redis-benchmark", "-p", "20000", "-n", "200000"], &vars),
            "redis-benchmark -p $PORT -n 200000"
        );
        assert_eq!(
            join_with(&["http://127.0.0.1:20000/plaintext"], &vars),
            "http://127.0.0.1:$PORT/plaintext"
        );
        assert_eq!(join_with(&["20000x"], &vars), "${PORT}x");
        assert_eq!(join_with(&["a b:20000"], &vars), "'a b:'$PORT");
    }

    /// The words a real `sh` reads from `line` (each printed NUL-terminated).
    fn words_sh_reads(line: &str) -> Vec<String> {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("for w in {line}; do printf '%s\\0' \"$w\"; done"))
            .output()
            .expect("sh runs");
        String::from_utf8_lossy(&out.stdout)
            .split_terminator('\0')
            .map(String::from)
            .collect()
    }

    #[test]
    fn a_shell_reads_back_the_words_that_ran() {
        let words = ["--save", "", "it's", "$HOME", "a b", "*", "x\"y", "é"];
        assert_eq!(words_sh_reads(&join(&words)), words);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Any words (no NUL: an argument cannot hold one) survive the trip
        /// through a real shell.
        #[test]
        fn any_words_survive_a_shell(words in proptest::collection::vec("[^\\x00]{0,12}", 1..5)) {
            proptest::prop_assert_eq!(words_sh_reads(&join(&words)), words);
        }
    }
}
