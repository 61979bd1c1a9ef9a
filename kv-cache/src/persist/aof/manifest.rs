//! The manifest: which files make up the AOF, in which order. Redis 7.0
//! `aof.c` (`aofInfoFormat`, `aofLoadManifestFromFile`), file
//! `<appendfilename>.manifest` in the AOF directory:
//!
//! ```text
//! file appendonly.aof.2.base.aof seq 2 type b     ← at most one base, always first
//! file appendonly.aof.1.incr.aof seq 1 type h     ← history: replaced, about to be removed
//! file appendonly.aof.2.incr.aof seq 2 type i     ← increments, in replay order
//! file appendonly.aof.3.incr.aof seq 3 type i
//! ```
//!
//! Each line is `key value` pairs split as `sdssplitargs` does (so a name
//! with a space or a quote is written quoted, as `sdscatrepr`); unknown
//! keys are ignored, for forward compatibility, as Redis does. Parsing is
//! strict otherwise: a bad manifest stops the server at startup, with the
//! line and Redis's reason.

use crate::config::rewrite::quoted;
use crate::protocol::inline::split_args;

/// Longest manifest line, newline included (Redis `MANIFEST_MAX_LINE`).
pub const MAX_LINE: usize = 1024;

/// What a file is for. Redis `aof_file_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The snapshot the others apply to (`b`).
    Base,
    /// A file a rewrite made obsolete (`h`), deleted after the rewrite.
    History,
    /// Commands after the base (`i`).
    Incr,
}

impl Kind {
    fn letter(self) -> char {
        match self {
            Kind::Base => 'b',
            Kind::History => 'h',
            Kind::Incr => 'i',
        }
    }
}

/// One line of the manifest. Redis `aofInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The file's name inside the AOF directory (never a path).
    pub name: String,
    /// Its sequence number (increments are replayed in increasing order).
    pub seq: i64,
    /// Its role.
    pub kind: Kind,
}

/// The whole manifest. Redis `aofManifest`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The base file, if a rewrite (or the first start) made one.
    pub base: Option<Entry>,
    /// Files to delete.
    pub history: Vec<Entry>,
    /// Increments, oldest first; the last one is the file being appended to.
    pub incr: Vec<Entry>,
    /// The sequence number the last base got.
    pub base_seq: i64,
    /// The sequence number the last increment got.
    pub incr_seq: i64,
}

/// Why a manifest was refused: the line (1-based, 0 for the whole file),
/// its text, and Redis's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason} (manifest line {line}: '{text}')")]
pub struct ManifestError {
    /// The line number.
    pub line: usize,
    /// The line as read (trimmed).
    pub text: String,
    /// Redis's message.
    pub reason: &'static str,
}

/// C's `atoll`: optional blanks and sign, then digits; 0 when there are none.
fn atoll(s: &[u8]) -> i64 {
    let s = s.trim_ascii_start();
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut n: i64 = 0;
    for &d in digits.iter().take_while(|d| d.is_ascii_digit()) {
        n = n.wrapping_mul(10).wrapping_add((d - b'0') as i64);
    }
    if neg { n.wrapping_neg() } else { n }
}

/// Whether a name must be quoted: Redis's `sdsneedsrepr`, plus `'`,
/// which `sdsneedsrepr` lets through although `sdssplitargs` then reads it
/// as the start of a quoted token (so Redis cannot read back a name with
/// one; quoted, both can).
fn needs_quotes(name: &str) -> bool {
    name.bytes()
        .any(|b| matches!(b, b'\\' | b'"' | b'\'' | 7 | 8) || !b.is_ascii_graphic())
}

impl Manifest {
    /// Parses a manifest file's bytes, with Redis's checks and messages.
    pub fn parse(text: &[u8]) -> Result<Manifest, ManifestError> {
        let mut m = Manifest::default();
        let mut max_seq = 0;
        let mut count = 0;
        let mut rest = text;
        while !rest.is_empty() {
            count += 1;
            let (raw, next) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => (&rest[..=i], &rest[i + 1..]),
                None => (rest, &rest[rest.len()..]),
            };
            rest = next;
            let fail = |reason| ManifestError {
                line: count,
                text: String::from_utf8_lossy(raw.trim_ascii()).into_owned(),
                reason,
            };
            if raw[0] == b'#' {
                continue;
            }
            if raw.last() != Some(&b'\n') || raw.len() > MAX_LINE {
                return Err(fail("The AOF manifest file contains too long line"));
            }
            let line = raw.trim_ascii();
            if line.is_empty() {
                return Err(fail("Invalid AOF manifest file format"));
            }
            let (mut out, mut ranges) = (Vec::new(), Vec::new());
            if split_args(line, &mut out, &mut ranges).is_err()
                || ranges.len() < 6
                || ranges.len() % 2 != 0
            {
                return Err(fail("Invalid AOF manifest file format"));
            }
            let (mut name, mut seq, mut kind) = (None, 0, 0u8);
            for pair in ranges.chunks(2) {
                let (key, value) = (&out[pair[0].0..pair[0].1], &out[pair[1].0..pair[1].1]);
                if key.eq_ignore_ascii_case(b"file") {
                    if value.contains(&b'/') {
                        return Err(fail("File can't be a path, just a filename"));
                    }
                    name = Some(String::from_utf8_lossy(value).into_owned());
                } else if key.eq_ignore_ascii_case(b"seq") {
                    seq = atoll(value);
                } else if key.eq_ignore_ascii_case(b"type") {
                    kind = value.first().copied().unwrap_or(0);
                }
            }
            let (Some(name), true, true) = (name, seq != 0, kind != 0) else {
                return Err(fail("Invalid AOF manifest file format"));
            };
            let entry = |kind| Entry { name, seq, kind };
            match kind {
                b'b' if m.base.is_some() => {
                    return Err(fail("Found duplicate base file information"));
                }
                b'b' => {
                    m.base_seq = seq;
                    m.base = Some(entry(Kind::Base));
                }
                b'h' => m.history.push(entry(Kind::History)),
                b'i' if seq <= max_seq => {
                    return Err(fail("Found a non-monotonic sequence number"));
                }
                b'i' => {
                    m.incr.push(entry(Kind::Incr));
                    m.incr_seq = seq;
                    max_seq = seq;
                }
                _ => return Err(fail("Unknown AOF file type")),
            }
        }
        if count == 0 {
            return Err(ManifestError {
                line: 0,
                text: String::new(),
                reason: "Found an empty AOF manifest",
            });
        }
        Ok(m)
    }

    /// The manifest's text: base, then history, then increments (Redis
    /// `getAofManifestAsString`).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for e in self.base.iter().chain(&self.history).chain(&self.incr) {
            let name = if needs_quotes(&e.name) {
                quoted(e.name.as_bytes())
            } else {
                e.name.clone()
            };
            out.push_str(&format!(
                "file {name} seq {} type {}\n",
                e.seq,
                e.kind.letter()
            ));
        }
        out
    }

    /// Makes a new base entry, `<filename>.<seq>.base.<aof|rdb>`, the old
    /// base becoming history; returns its name. Redis
    /// `getNewBaseFileNameAndMarkPreAsHistory`.
    pub fn new_base(&mut self, filename: &str, rdb: bool) -> String {
        if let Some(mut old) = self.base.take() {
            old.kind = Kind::History;
            self.history.insert(0, old);
        }
        self.base_seq += 1;
        let ext = if rdb { "rdb" } else { "aof" };
        let name = format!("{filename}.{}.base.{ext}", self.base_seq);
        self.base = Some(Entry {
            name: name.clone(),
            seq: self.base_seq,
            kind: Kind::Base,
        });
        name
    }

    /// Appends a new increment, `<filename>.<seq>.incr.aof`; returns its
    /// name. Redis `getNewIncrAofName`.
    pub fn new_incr(&mut self, filename: &str) -> String {
        self.incr_seq += 1;
        let name = format!("{filename}.{}.incr.aof", self.incr_seq);
        self.incr.push(Entry {
            name: name.clone(),
            seq: self.incr_seq,
            kind: Kind::Incr,
        });
        name
    }

    /// The increment being appended to, made if there is none.
    pub fn last_incr(&mut self, filename: &str) -> String {
        match self.incr.last() {
            Some(e) => e.name.clone(),
            None => self.new_incr(filename),
        }
    }

    /// After a rewrite: every increment but the one being appended to
    /// (`keep_last`, while the AOF is on) is history. Redis
    /// `markRewrittenIncrAofAsHistory`.
    pub fn retire_rewritten_incrs(&mut self, keep_last: bool) {
        let keep = usize::from(keep_last && !self.incr.is_empty());
        let retired: Vec<Entry> = self.incr.drain(..self.incr.len() - keep).collect();
        for mut e in retired.into_iter().rev() {
            e.kind = Kind::History;
            self.history.insert(0, e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn redis_layout_and_errors() {
        let text = b"file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\nfile appendonly.aof.3.incr.aof seq 3 type i\n";
        let m = Manifest::parse(text).unwrap();
        assert_eq!(m.to_text().as_bytes(), text);
        assert_eq!((m.base_seq, m.incr_seq), (2, 3));
        let reason = |t: &[u8]| Manifest::parse(t).unwrap_err().reason;
        assert_eq!(reason(b""), "Found an empty AOF manifest");
        assert_eq!(
            reason(b"file a seq 1 type b"),
            "The AOF manifest file contains too long line"
        );
        assert_eq!(
            reason(b"file a seq 1\n"),
            "Invalid AOF manifest file format"
        );
        assert_eq!(
            reason(b"file a/b seq 1 type i\n"),
            "File can't be a path, just a filename"
        );
        assert_eq!(
            reason(b"file a seq 2 type i\nfile b seq 2 type i\n"),
            "Found a non-monotonic sequence number"
        );
        assert_eq!(reason(b"file a seq 2 type x\n"), "Unknown AOF file type");
        assert_eq!(
            reason(b"file a seq 1 type b\nfile b seq 2 type b\n"),
            "Found duplicate base file information"
        );
        // Comments are skipped, unknown keys ignored, names quoted back.
        let m = Manifest::parse(b"# hi\nfile \"a b\" seq 1 type i extra 1\n").unwrap();
        assert_eq!(m.incr[0].name, "a b");
        assert_eq!(m.to_text(), "file \"a b\" seq 1 type i\n");
    }

    #[test]
    fn a_rewrite_moves_old_files_to_history() {
        let mut m = Manifest::default();
        assert_eq!(
            m.new_base("appendonly.aof", false),
            "appendonly.aof.1.base.aof"
        );
        assert_eq!(m.last_incr("appendonly.aof"), "appendonly.aof.1.incr.aof");
        m.new_incr("appendonly.aof");
        m.new_base("appendonly.aof", false);
        m.retire_rewritten_incrs(true);
        // Redis's order: each retired file goes to the front of the history.
        assert_eq!(
            m.to_text(),
            "file appendonly.aof.2.base.aof seq 2 type b\n\
             file appendonly.aof.1.incr.aof seq 1 type h\n\
             file appendonly.aof.1.base.aof seq 1 type h\n\
             file appendonly.aof.2.incr.aof seq 2 type i\n"
        );
    }

    fn entry(kind: Kind) -> impl Strategy<Value = Entry> {
        ("[ -.0-~]{1,30}", 1i64..i64::MAX).prop_map(move |(name, seq)| Entry { name, seq, kind })
    }

    proptest! {
        #[test]
        fn text_round_trips(
            base in proptest::option::of(entry(Kind::Base)),
            history in proptest::collection::vec(entry(Kind::History), 0..4),
            seqs in proptest::collection::btree_set(1i64..1000, 0..5),
            name in "[ -.0-~]{1,30}",
        ) {
            let incr: Vec<Entry> = seqs.iter().map(|&seq| Entry { name: name.clone(), seq, kind: Kind::Incr }).collect();
            let m = Manifest {
                base_seq: base.as_ref().map_or(0, |b| b.seq),
                incr_seq: incr.last().map_or(0, |e| e.seq),
                base, history, incr,
            };
            let text = m.to_text();
            if text.is_empty() {
                prop_assert!(Manifest::parse(text.as_bytes()).is_err());
            } else {
                prop_assert_eq!(Manifest::parse(text.as_bytes()).unwrap(), m);
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Manifest::parse(&bytes);
        }

        #[test]
        fn near_valid_lines_never_panic(line in "(file|seq|type|#| |\"|x|1|b|i|h|\\\\|\n){0,40}") {
            let _ = Manifest::parse(line.as_bytes());
        }
    }
}
