//! Property tests of the wire parser: arbitrary bytes never panic, any split
//! of a valid request into reads parses identically, and generated requests
//! round-trip through serialize → parse.

use bytes::BytesMut;
use mini_web::http::{
    BodyDecoder, BodyKind, ChunkedDecoder, Decoded as Piece, Framing, HeaderSpan, Limits, Method,
    ParseError, Version, parse_head, valid_host, write_chunk, write_last_chunk,
};
use proptest::prelude::*;

/// What a request decodes to, as owned values (easy to compare).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Decoded {
    method: Method,
    target: Vec<u8>,
    headers: Vec<(Vec<u8>, Vec<u8>)>,
    body: Vec<u8>,
    keep_alive: bool,
}

/// Feeds `chunks` one read at a time, the way the server does.
fn decode_in_reads(chunks: &[&[u8]]) -> Result<Option<Decoded>, ParseError> {
    let limits = Limits::default();
    let mut buf = BytesMut::new();
    let mut spans: Vec<HeaderSpan> = Vec::new();
    let mut feed = chunks.iter();
    let head = loop {
        if let Some(head) = parse_head(&buf, &limits, &mut spans)? {
            break head;
        }
        match feed.next() {
            Some(c) => buf.extend_from_slice(c),
            None => return Ok(None),
        }
    };
    let framing = Framing::of(&head, &spans, &buf)?;
    let headers = spans
        .iter()
        .map(|h| (h.name.of(&buf).to_vec(), h.value.of(&buf).to_vec()))
        .collect();
    let target = head.target.of(&buf).to_vec();
    let _ = buf.split_to(head.len);
    // The server's own path: the body decoder, fed one read at a time.
    let mut dec = BodyDecoder::new(framing.body);
    let mut body = Vec::new();
    loop {
        match dec.next(&mut buf, &limits)? {
            Piece::Data(d) => body.extend_from_slice(&d),
            Piece::End => break,
            Piece::NeedMore => match feed.next() {
                Some(c) => buf.extend_from_slice(c),
                None => return Ok(None),
            },
        }
    }
    Ok(Some(Decoded {
        method: head.method,
        target,
        headers,
        body,
        keep_alive: framing.keep_alive,
    }))
}

/// A generated request, serialized by us and parsed back.
#[derive(Debug, Clone)]
struct Generated {
    method: &'static str,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    chunked: Option<Vec<usize>>,
    close: bool,
}

impl Generated {
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!(
            "{} {} HTTP/1.1\r\nHost: example.com\r\n",
            self.method, self.path
        )
        .into_bytes();
        for (n, v) in &self.headers {
            out.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
        }
        if self.close {
            out.extend_from_slice(b"Connection: close\r\n");
        }
        match &self.chunked {
            None if !self.body.is_empty() => {
                out.extend_from_slice(
                    format!("Content-Length: {}\r\n\r\n", self.body.len()).as_bytes(),
                );
                out.extend_from_slice(&self.body);
            }
            None => out.extend_from_slice(b"\r\n"),
            Some(cuts) => {
                out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                let mut rest = &self.body[..];
                for &c in cuts {
                    let n = c.min(rest.len());
                    if n == 0 {
                        continue;
                    }
                    out.extend_from_slice(format!("{n:x};ext=1\r\n").as_bytes());
                    out.extend_from_slice(&rest[..n]);
                    out.extend_from_slice(b"\r\n");
                    rest = &rest[n..];
                }
                if !rest.is_empty() {
                    out.extend_from_slice(format!("{:X}\r\n", rest.len()).as_bytes());
                    out.extend_from_slice(rest);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"0\r\nTrailer-Field: t\r\n\r\n");
            }
        }
        out
    }
}

fn generated() -> impl Strategy<Value = Generated> {
    let method = prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH", "PROPFIND"]);
    let path = "(/[a-zA-Z0-9._~%-]{0,12}){1,4}(\\?[a-z0-9=&]{0,16})?";
    let header = ("X-[A-Za-z0-9-]{1,16}", "[ -~]{0,40}")
        .prop_map(|(n, v): (String, String)| (n, v.trim().to_string()));
    (
        method,
        path,
        prop::collection::vec(header, 0..8),
        prop::collection::vec(any::<u8>(), 0..300),
        prop::option::of(prop::collection::vec(1usize..64, 0..6)),
        any::<bool>(),
    )
        .prop_map(|(method, path, headers, body, chunked, close)| Generated {
            method,
            path,
            headers,
            body,
            chunked,
            close,
        })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = decode_in_reads(&[&bytes]);
        let mut buf = BytesMut::from(&bytes[..]);
        let _ = ChunkedDecoder::new().decode(&mut buf, &mut BytesMut::new(), &Limits::default());
        let mut buf = BytesMut::from(&bytes[..]);
        let mut dec = BodyDecoder::new(BodyKind::Chunked);
        // Bounded: every call consumes input or ends.
        for _ in 0..=bytes.len() + 2 {
            if !matches!(dec.next(&mut buf, &Limits::default()), Ok(Piece::Data(_))) {
                break;
            }
        }
        let _ = valid_host(&bytes);
    }

    #[test]
    fn generated_hosts_are_valid(name in "[a-z0-9-]{1,20}(\\.[a-z0-9-]{1,10}){0,3}", port in proptest::option::of(any::<u16>())) {
        let host = match port { Some(p) => format!("{name}:{p}"), None => name };
        prop_assert!(valid_host(host.as_bytes()), "{host}");
    }

    #[test]
    fn mutated_valid_requests_never_panic(g in generated(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = g.to_bytes();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        let _ = decode_in_reads(&[&bytes]);
    }

    #[test]
    fn round_trip(g in generated()) {
        let bytes = g.to_bytes();
        let d = decode_in_reads(&[&bytes]).unwrap().unwrap();
        prop_assert_eq!(d.method.as_str() == g.method, d.method != Method::Other);
        prop_assert_eq!(&d.target, g.path.as_bytes());
        prop_assert_eq!(&d.body, &g.body);
        prop_assert_eq!(d.keep_alive, !g.close);
        for (n, v) in &g.headers {
            prop_assert!(d.headers.iter().any(|(dn, dv)| dn == n.as_bytes() && dv == v.as_bytes()));
        }
    }

    #[test]
    fn any_split_parses_identically(g in generated(), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8)) {
        let bytes = g.to_bytes();
        let whole = decode_in_reads(&[&bytes]);
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
        points.sort_unstable();
        points.dedup();
        let mut chunks = Vec::new();
        let mut last = 0;
        for p in points.into_iter().chain([bytes.len()]) {
            chunks.push(&bytes[last..p]);
            last = p;
        }
        prop_assert_eq!(decode_in_reads(&chunks), whole);
    }

    #[test]
    fn byte_at_a_time_parses_identically(g in generated()) {
        let bytes = g.to_bytes();
        let ones: Vec<&[u8]> = bytes.chunks(1).collect();
        prop_assert_eq!(decode_in_reads(&ones), decode_in_reads(&[&bytes]));
    }

    #[test]
    fn chunked_round_trip_in_any_reads(
        pieces in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..8),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        // Our encoder (the response writer's) against our decoder.
        let mut wire = Vec::new();
        for p in &pieces {
            write_chunk(&mut wire, p, Version::Http11);
        }
        write_last_chunk(&mut wire, Version::Http11);
        wire.extend_from_slice(b"NEXT");
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(wire.len() + 1)).collect();
        points.sort_unstable();
        points.dedup();
        let mut dec = BodyDecoder::new(BodyKind::Chunked);
        let mut buf = BytesMut::new();
        let mut body = Vec::new();
        let mut last = 0;
        let mut ended = false;
        for p in points.into_iter().chain([wire.len()]) {
            buf.extend_from_slice(&wire[last..p]);
            last = p;
            while !ended {
                match dec.next(&mut buf, &Limits::default()).unwrap() {
                    Piece::Data(d) => body.extend_from_slice(&d),
                    Piece::End => ended = true,
                    Piece::NeedMore => break,
                }
            }
        }
        prop_assert!(ended);
        prop_assert_eq!(body, pieces.concat());
        prop_assert_eq!(&buf[..], b"NEXT", "bytes after the body stay for the next request");
    }
}
