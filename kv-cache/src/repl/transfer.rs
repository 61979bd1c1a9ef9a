//! What a replica reads from its master after asking to sync: the answer to
//! `PSYNC`, then (for a full sync) the RDB payload in one of its two
//! framings. Redis: `slaveTryPartialResynchronization` and
//! `readSyncBulkPayload` in `replication.c`.
//!
//! ```text
//!  replica: PSYNC <replid> <offset>
//!  master:  +FULLRESYNC <replid> <offset>\r\n        or  +CONTINUE [<replid>]\r\n
//!           \n \n \n ...            (keep-alives while the snapshot is made)
//!           $<len>\r\n <len bytes of RDB>            (from a file on disk)
//!        or $EOF:<40 random chars>\r\n <RDB> <the same 40 chars>   (diskless)
//!           then the command stream
//! ```
//!
//! The length framing needs the file's size before the first byte is sent;
//! a diskless master streams the snapshot straight from the child process
//! into the socket, does not know the size, and ends it with a mark it
//! chose at random instead. The reader here passes the payload to a sink as
//! it arrives (to a temp file, as Redis does), holding back the last 40
//! bytes in the diskless case until it knows they are not the mark.
//! A diskless master sends the command stream only after the replica's
//! first `REPLCONF ACK` (Redis 7.0 `repl_start_cmd_stream_on_ack`), so the
//! mark is the last thing on the wire.

use super::id::{ID_LEN, ReplId};

/// The master's answer to `PSYNC`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PsyncReply {
    /// `+FULLRESYNC <replid> <offset>`: an RDB follows; the stream after it
    /// starts at `offset` of history `replid`.
    FullResync {
        /// The master's replication id.
        replid: ReplId,
        /// Its offset at the snapshot.
        offset: u64,
    },
    /// `+CONTINUE` (PSYNC1) or `+CONTINUE <replid>` (PSYNC2, when the
    /// master's id changed, e.g. it was promoted): the missing part of the
    /// stream follows at once.
    Continue {
        /// The id to use from now on, when the master sent one.
        new_replid: Option<ReplId>,
    },
    /// `-NOMASTERLINK` or `-LOADING`: the master cannot serve now; retry later.
    TryLater(String),
    /// Any other error (`-ERR`, `-NOPERM` ...): the master refused.
    Refused(String),
}

/// Why a sync cannot go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    /// The master's reply to `PSYNC` is not one of the forms above.
    #[error("unexpected reply to PSYNC: '{0}'")]
    BadPsyncReply(String),
    /// The line announcing the payload is neither `$<len>` nor `$EOF:<mark>`.
    #[error(
        "bad protocol from MASTER, the first byte is not '$' (we received '{0}'), are you sure the host and port are right?"
    )]
    BadPreamble(String),
    /// The master sent an error instead of the payload.
    #[error("MASTER aborted replication with an error: {0}")]
    MasterError(String),
}

/// Parses the master's reply line to `PSYNC`, without its `\r\n`.
pub fn parse_psync_reply(line: &[u8]) -> Result<PsyncReply, TransferError> {
    let text = String::from_utf8_lossy(line).into_owned();
    let bad = || TransferError::BadPsyncReply(text.clone());
    if let Some(rest) = line.strip_prefix(b"+FULLRESYNC ") {
        let mut parts = rest.split(|&b| b == b' ');
        let replid = parts.next().and_then(ReplId::parse).ok_or_else(bad)?;
        let offset = parts
            .next()
            .and_then(|o| std::str::from_utf8(o).ok()?.parse::<u64>().ok())
            .ok_or_else(bad)?;
        if parts.next().is_some() {
            return Err(bad());
        }
        return Ok(PsyncReply::FullResync { replid, offset });
    }
    if line == b"+CONTINUE" {
        return Ok(PsyncReply::Continue { new_replid: None });
    }
    if let Some(rest) = line.strip_prefix(b"+CONTINUE ") {
        // Redis accepts trailing spaces around the id; an id of another
        // length is a protocol error.
        let id = rest.trim_ascii();
        return match ReplId::parse(id) {
            Some(replid) => Ok(PsyncReply::Continue {
                new_replid: Some(replid),
            }),
            None => Err(bad()),
        };
    }
    if line.starts_with(b"-NOMASTERLINK") || line.starts_with(b"-LOADING") {
        return Ok(PsyncReply::TryLater(text[1..].to_string()));
    }
    if let Some(err) = line.strip_prefix(b"-") {
        return Ok(PsyncReply::Refused(
            String::from_utf8_lossy(err).into_owned(),
        ));
    }
    Err(bad())
}

/// How the payload is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `$<len>`: exactly this many bytes.
    Length(u64),
    /// `$EOF:<mark>`: until these 40 bytes.
    Mark([u8; ID_LEN]),
}

/// Longest preamble line accepted (`$EOF:` + 40 + slack); anything longer
/// is not a master talking.
const MAX_LINE: usize = 256;

/// Where the reader is.
#[derive(Debug)]
enum State {
    /// Before the `$` line (skipping `\n` keep-alives), with the part of
    /// the line read so far.
    Preamble(Vec<u8>),
    /// In the payload: `left` bytes to go.
    Counted { left: u64 },
    /// In a diskless payload: the last bytes seen, not yet passed on
    /// because they may be the mark.
    Marked { mark: [u8; ID_LEN], held: Vec<u8> },
    /// The payload is complete.
    Done,
}

/// Reads the payload after `+FULLRESYNC`, incrementally.
#[derive(Debug)]
pub struct PayloadReader {
    state: State,
    framing: Option<Framing>,
    received: u64,
}

impl Default for PayloadReader {
    fn default() -> Self {
        PayloadReader::new()
    }
}

impl PayloadReader {
    /// A reader waiting for the preamble.
    pub fn new() -> PayloadReader {
        PayloadReader {
            state: State::Preamble(Vec::new()),
            framing: None,
            received: 0,
        }
    }

    /// The framing, once the preamble has been read.
    pub fn framing(&self) -> Option<Framing> {
        self.framing
    }

    /// Payload bytes passed to the sink so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Whether the whole payload has been read.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Reads from `input`, passing payload bytes to `sink` in order;
    /// returns how many bytes of `input` it used. Once done, the rest of
    /// `input` (if any) belongs to the command stream.
    pub fn feed(
        &mut self,
        input: &[u8],
        mut sink: impl FnMut(&[u8]),
    ) -> Result<usize, TransferError> {
        let mut used = 0;
        while used < input.len() {
            let rest = &input[used..];
            match &mut self.state {
                State::Done => break,
                State::Preamble(line) => {
                    let (n, complete) = match rest.iter().position(|&b| b == b'\n') {
                        Some(i) => (i + 1, true),
                        None => (rest.len(), false),
                    };
                    line.extend_from_slice(&rest[..n]);
                    used += n;
                    if line.len() > MAX_LINE {
                        return Err(TransferError::BadPreamble(preview(line)));
                    }
                    if !complete {
                        continue;
                    }
                    let text = std::mem::take(line);
                    let text = text.strip_suffix(b"\n").unwrap_or(&text);
                    let text = text.strip_suffix(b"\r").unwrap_or(text);
                    if text.is_empty() {
                        continue; // a keep-alive newline
                    }
                    let framing = parse_preamble(text)?;
                    self.framing = Some(framing);
                    self.state = match framing {
                        Framing::Length(0) => State::Done,
                        Framing::Length(n) => State::Counted { left: n },
                        Framing::Mark(mark) => State::Marked {
                            mark,
                            held: Vec::with_capacity(2 * ID_LEN),
                        },
                    };
                }
                State::Counted { left } => {
                    let n = rest.len().min(usize::try_from(*left).unwrap_or(usize::MAX));
                    sink(&rest[..n]);
                    self.received += n as u64;
                    *left -= n as u64;
                    used += n;
                    if *left == 0 {
                        self.state = State::Done;
                    }
                }
                State::Marked { mark, held } => {
                    // Everything arriving is payload or mark; at most the
                    // last 40 bytes can be the mark, so the rest goes on.
                    held.extend_from_slice(rest);
                    used = input.len();
                    if held.len() >= ID_LEN && held[held.len() - ID_LEN..] == mark[..] {
                        let body = held.len() - ID_LEN;
                        sink(&held[..body]);
                        self.received += body as u64;
                        self.state = State::Done;
                    } else if held.len() > ID_LEN {
                        let pass = held.len() - ID_LEN;
                        sink(&held[..pass]);
                        self.received += pass as u64;
                        held.drain(..pass);
                    }
                }
            }
        }
        Ok(used)
    }
}

/// `$<len>` or `$EOF:<mark>`, or the master's error line.
fn parse_preamble(line: &[u8]) -> Result<Framing, TransferError> {
    if let Some(err) = line.strip_prefix(b"-") {
        return Err(TransferError::MasterError(
            String::from_utf8_lossy(err).into_owned(),
        ));
    }
    let Some(body) = line.strip_prefix(b"$") else {
        return Err(TransferError::BadPreamble(preview(line)));
    };
    if let Some(mark) = body.strip_prefix(b"EOF:") {
        return <[u8; ID_LEN]>::try_from(mark)
            .map(Framing::Mark)
            .map_err(|_| TransferError::BadPreamble(preview(line)));
    }
    std::str::from_utf8(body)
        .ok()
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse::<u64>().ok())
        .map(Framing::Length)
        .ok_or_else(|| TransferError::BadPreamble(preview(line)))
}

/// The start of a line, printable, for an error message.
fn preview(line: &[u8]) -> String {
    let end = line.len().min(64);
    String::from_utf8_lossy(&line[..end])
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MARK: &[u8; 40] = b"0123456789abcdef0123456789abcdef01234567";

    /// Feeds `wire` in the given chunk sizes; returns the payload, the
    /// bytes left over after it, and the reader.
    fn read_all(
        wire: &[u8],
        chunks: &[usize],
    ) -> Result<(Vec<u8>, Vec<u8>, PayloadReader), TransferError> {
        let mut r = PayloadReader::new();
        let mut payload = Vec::new();
        let mut rest = Vec::new();
        let mut at = 0;
        let mut sizes = chunks.iter().copied().cycle();
        while at < wire.len() {
            let n = sizes.next().unwrap_or(1).max(1).min(wire.len() - at);
            let chunk = &wire[at..at + n];
            let used = r.feed(chunk, |b| payload.extend_from_slice(b))?;
            if r.is_done() {
                rest.extend_from_slice(&chunk[used..]);
            }
            at += n;
        }
        Ok((payload, rest, r))
    }

    #[test]
    fn psync_replies() {
        let id = "53b9b28df8042fdc9ab5e3fcbbbabff1d5dce2b3";
        assert_eq!(
            parse_psync_reply(format!("+FULLRESYNC {id} 1234").as_bytes()),
            Ok(PsyncReply::FullResync {
                replid: ReplId::parse(id.as_bytes()).unwrap(),
                offset: 1234
            })
        );
        assert_eq!(
            parse_psync_reply(b"+CONTINUE"),
            Ok(PsyncReply::Continue { new_replid: None })
        );
        assert_eq!(
            parse_psync_reply(format!("+CONTINUE {id}").as_bytes()),
            Ok(PsyncReply::Continue {
                new_replid: ReplId::parse(id.as_bytes())
            })
        );
        assert!(matches!(
            parse_psync_reply(b"-NOMASTERLINK Can't SYNC while not connected with my master"),
            Ok(PsyncReply::TryLater(_))
        ));
        assert!(matches!(
            parse_psync_reply(b"-LOADING Redis is loading the dataset in memory"),
            Ok(PsyncReply::TryLater(_))
        ));
        assert_eq!(
            parse_psync_reply(b"-ERR unknown command 'PSYNC'"),
            Ok(PsyncReply::Refused("ERR unknown command 'PSYNC'".into()))
        );
        for bad in [
            &b"+FULLRESYNC abc 1"[..],
            b"+FULLRESYNC",
            b"+CONTINUE short",
            b"+OK",
            b"",
            b"$5",
        ] {
            assert!(
                parse_psync_reply(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let long_offset = format!("+FULLRESYNC {id} 99999999999999999999999");
        assert!(parse_psync_reply(long_offset.as_bytes()).is_err());
    }

    #[test]
    fn counted_payload_after_keepalives_then_the_stream() {
        let wire = b"\n\n\n$5\r\nREDIS*1\r\n$4\r\nPING\r\n";
        let (payload, rest, r) = read_all(wire, &[3]).unwrap();
        assert_eq!(payload, b"REDIS");
        assert_eq!(rest, b"*1\r\n$4\r\nPING\r\n");
        assert_eq!(r.framing(), Some(Framing::Length(5)));
        assert_eq!(r.received(), 5);
    }

    #[test]
    fn an_empty_payload_is_complete_at_once() {
        let mut r = PayloadReader::new();
        assert_eq!(r.feed(b"$0\r\n+X", |_| panic!("no payload")), Ok(4));
        assert!(r.is_done());
    }

    #[test]
    fn diskless_payload_never_passes_the_mark_on() {
        let mut wire = b"$EOF:".to_vec();
        wire.extend_from_slice(MARK);
        wire.extend_from_slice(b"\r\nREDIS0010 payload bytes");
        wire.extend_from_slice(MARK);
        for chunk in [1, 7, 40, 41, 1000] {
            let (payload, rest, r) = read_all(&wire, &[chunk]).unwrap();
            assert_eq!(payload, b"REDIS0010 payload bytes", "chunks of {chunk}");
            assert!(rest.is_empty() && r.is_done());
        }
    }

    #[test]
    fn bad_preambles_are_refused_with_what_was_seen() {
        for wire in [
            &b"+OK\r\n"[..],
            b"$abc\r\n",
            b"$\r\n",
            b"$EOF:short\r\n",
            b"$-1\r\n",
        ] {
            assert!(
                matches!(read_all(wire, &[100]), Err(TransferError::BadPreamble(_))),
                "{wire:?}"
            );
        }
        assert_eq!(
            read_all(b"-ERR no space\r\n", &[100]).unwrap_err(),
            TransferError::MasterError("ERR no space".into())
        );
        let endless = vec![b'x'; 10_000];
        assert!(matches!(
            read_all(&endless, &[100]),
            Err(TransferError::BadPreamble(_))
        ));
    }

    proptest! {
        #[test]
        fn counted_payloads_arrive_whole_whatever_the_chunking(
            payload in prop::collection::vec(any::<u8>(), 0..3000),
            stream in prop::collection::vec(any::<u8>(), 0..100),
            keepalives in 0usize..5,
            chunks in prop::collection::vec(1usize..700, 1..8),
        ) {
            let mut wire = vec![b'\n'; keepalives];
            wire.extend_from_slice(format!("${}\r\n", payload.len()).as_bytes());
            wire.extend_from_slice(&payload);
            wire.extend_from_slice(&stream);
            let (got, rest, r) = read_all(&wire, &chunks).unwrap();
            prop_assert_eq!(got, payload);
            prop_assert_eq!(rest, stream);
            prop_assert!(r.is_done());
        }

        #[test]
        fn marked_payloads_arrive_whole_whatever_the_chunking(
            payload in prop::collection::vec(any::<u8>(), 0..3000),
            chunks in prop::collection::vec(1usize..700, 1..8),
        ) {
            let mut wire = b"\n$EOF:".to_vec();
            wire.extend_from_slice(MARK);
            wire.extend_from_slice(b"\r\n");
            wire.extend_from_slice(&payload);
            wire.extend_from_slice(MARK);
            let (got, _, r) = read_all(&wire, &chunks).unwrap();
            prop_assert!(r.is_done());
            prop_assert_eq!(got, payload);
        }

        #[test]
        fn arbitrary_bytes_never_panic(
            wire in prop::collection::vec(any::<u8>(), 0..600),
            chunks in prop::collection::vec(1usize..100, 1..5),
        ) {
            let _ = read_all(&wire, &chunks);
            let _ = parse_psync_reply(&wire);
        }
    }
}
