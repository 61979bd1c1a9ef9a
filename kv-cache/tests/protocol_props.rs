//! Property tests of the RESP parser and encoders: round trips, arbitrary
//! bytes never panic, and any split of a valid stream parses identically.

use bytes::{Buf, BytesMut};
use kv_cache::protocol::bigarg;
use kv_cache::protocol::request::{BIG_ARG, Parsed};
use kv_cache::protocol::{DEFAULT_PROTO_MAX_BULK_LEN, ProtocolError, RequestParser, Value};
use proptest::prelude::*;

/// Encodes `argv` as a multibulk request, the way every client does.
fn multibulk(argv: &[Vec<u8>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", argv.len()).into_bytes();
    for a in argv {
        out.extend(format!("${}\r\n", a.len()).bytes());
        out.extend(a);
        out.extend(b"\r\n");
    }
    out
}

/// Feeds `stream` to one parser in the given chunk sizes, as a connection
/// receives it, and returns every request (or the first error).
fn parse_in_chunks(stream: &[u8], cuts: &[usize]) -> Result<Vec<Vec<Vec<u8>>>, ProtocolError> {
    let mut parser = RequestParser::new(DEFAULT_PROTO_MAX_BULK_LEN);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut fed = 0;
    let mut cuts = cuts.iter().copied().chain(std::iter::repeat(usize::MAX));
    while fed < stream.len() {
        let n = cuts
            .next()
            .unwrap_or(usize::MAX)
            .max(1)
            .min(stream.len() - fed);
        buf.extend_from_slice(&stream[fed..fed + n]);
        fed += n;
        loop {
            match parser.parse(&buf)? {
                Parsed::Request(used) => {
                    out.push(parser.argv(&buf).to_vec());
                    buf.drain(..used);
                }
                Parsed::Skip(used) => {
                    buf.drain(..used);
                }
                Parsed::Incomplete => break,
            }
        }
    }
    Ok(out)
}

/// Feeds `stream` as a connection does, with the big-bulk path: each read
/// adds at most the chunk size and at most what [`bigarg::prepare`] allows;
/// [`bigarg::adopt`] runs before parsing. Also returns how many arguments
/// were adopted without a copy.
fn parse_like_a_connection(stream: &[u8], cuts: &[usize]) -> (Vec<Vec<Vec<u8>>>, usize) {
    let mut parser = RequestParser::new(DEFAULT_PROTO_MAX_BULK_LEN);
    let mut input = BytesMut::new();
    let (mut out, mut adopted) = (Vec::new(), 0);
    let (mut fed, mut limit) = (0, None);
    let mut cuts = cuts.iter().copied().cycle();
    while fed < stream.len() {
        let cut = cuts.next().unwrap_or(usize::MAX).max(1);
        let n = cut.min(limit.unwrap_or(usize::MAX)).min(stream.len() - fed);
        input.extend_from_slice(&stream[fed..fed + n]);
        fed += n;
        bigarg::adopt(&mut parser, &mut input);
        let mut used = 0;
        loop {
            match parser.parse(&input[used..]).unwrap() {
                Parsed::Request(n) => {
                    let argv = parser.argv(&input[used..]);
                    adopted += (0..argv.len())
                        .filter(|&i| argv.shared(i).is_some())
                        .count();
                    out.push(argv.to_vec());
                    parser.release();
                    used += n;
                }
                Parsed::Skip(n) => used += n,
                Parsed::Incomplete => break,
            }
        }
        input.advance(used);
        limit = bigarg::prepare(&mut parser, &mut input);
    }
    (out, adopted)
}

fn arg() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..40)
}

fn request() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(arg(), 1..6)
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        "[a-zA-Z0-9 ]{0,20}".prop_map(Value::Simple),
        "ERR [a-z ]{0,20}".prop_map(Value::Error),
        any::<i64>().prop_map(Value::Int),
        arg().prop_map(Value::Bulk),
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|d| Value::Double(d.to_string())),
        arg().prop_map(|t| Value::Verbatim("txt".into(), t)),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Set),
            prop::collection::vec((inner.clone(), inner), 0..4).prop_map(Value::Map),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn multibulk_round_trip(reqs in prop::collection::vec(request(), 1..8)) {
        let stream: Vec<u8> = reqs.iter().flat_map(|r| multibulk(r)).collect();
        prop_assert_eq!(parse_in_chunks(&stream, &[]).unwrap(), reqs);
    }

    #[test]
    fn any_split_parses_identically(
        reqs in prop::collection::vec(request(), 1..8),
        cuts in prop::collection::vec(1usize..30, 0..40),
    ) {
        let stream: Vec<u8> = reqs.iter().flat_map(|r| multibulk(r)).collect();
        let whole = parse_in_chunks(&stream, &[]).unwrap();
        prop_assert_eq!(parse_in_chunks(&stream, &cuts).unwrap(), whole);
    }

    #[test]
    fn big_bulks_parse_identically_and_alone_are_adopted(
        reqs in prop::collection::vec(
            prop::collection::vec(prop_oneof![
                3 => arg(),
                1 => (0usize..64, any::<u8>()).prop_map(|(extra, b)| vec![b; BIG_ARG + extra]),
            ], 1..5),
            1..4,
        ),
        cuts in prop::collection::vec(prop_oneof![1usize..30, 1000usize..70_000], 1..8),
    ) {
        let stream: Vec<u8> = reqs.iter().flat_map(|r| multibulk(r)).collect();
        let (got, adopted) = parse_like_a_connection(&stream, &cuts);
        prop_assert_eq!(&got, &reqs);
        // A big bulk read in chunks no larger than itself always ends up
        // alone in its buffer, hence adopted.
        if cuts.iter().all(|&c| c < BIG_ARG) {
            let big = reqs.iter().flatten().filter(|a| a.len() >= BIG_ARG).count();
            prop_assert_eq!(adopted, big);
        }
    }

    #[test]
    fn inline_any_split_parses_identically(
        lines in prop::collection::vec("[a-z]{1,5}( [a-z0-9\"]{0,6}){0,3}", 1..6),
        cuts in prop::collection::vec(1usize..10, 0..40),
    ) {
        let stream: Vec<u8> = lines.iter().flat_map(|l| format!("{l}\r\n").into_bytes()).collect();
        let whole = parse_in_chunks(&stream, &[]);
        prop_assert_eq!(parse_in_chunks(&stream, &cuts), whole);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300), cuts in prop::collection::vec(1usize..50, 0..10)) {
        let _ = parse_in_chunks(&bytes, &cuts);
        let _ = Value::parse(&bytes);
    }

    #[test]
    fn star_prefixed_garbage_never_panics(bytes in prop::collection::vec(prop_oneof![Just(b'*'), Just(b'$'), Just(b'\r'), Just(b'\n'), Just(b'1'), Just(b'-'), any::<u8>()], 0..100)) {
        let _ = parse_in_chunks(&bytes, &[3, 1, 7]);
    }

    #[test]
    fn value_round_trip(v in value()) {
        let mut out = Vec::new();
        v.encode(&mut out);
        let (back, used) = Value::parse(&out).unwrap().unwrap();
        prop_assert_eq!(used, out.len());
        prop_assert_eq!(back, v);
        // Every proper prefix is incomplete, never an error.
        for cut in 0..out.len() {
            prop_assert_eq!(Value::parse(&out[..cut]).unwrap(), None);
        }
    }
}
