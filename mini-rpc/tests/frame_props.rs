//! Property tests of the wire format and the codecs: every frame survives a
//! round trip, any split of a valid byte stream parses to the same frames,
//! arbitrary bytes never panic the decoder, and payload values survive both
//! codecs.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use mini_rpc::frame::{DEFAULT_MAX_FRAME, Frame, Request, Response};
use mini_rpc::{Code, CodecKind, Metadata, Status};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

fn metadata() -> impl Strategy<Value = Metadata> {
    proptest::collection::vec(("[a-z-]{1,12}", "\\PC{0,20}"), 0..4)
        .prop_map(|pairs| pairs.into_iter().collect())
}

fn status() -> impl Strategy<Value = Status> {
    (
        prop_oneof![
            Just(Code::Ok),
            Just(Code::Cancelled),
            Just(Code::DeadlineExceeded),
            Just(Code::Unavailable),
            Just(Code::Internal)
        ],
        "\\PC{0,40}",
    )
        .prop_map(|(code, message)| Status { code, message })
}

fn payload() -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..300).prop_map(Bytes::from)
}

fn frame() -> impl Strategy<Value = Frame> {
    prop_oneof![
        (
            any::<u64>(),
            "[A-Za-z]{1,10}\\.[a-z_]{1,10}",
            proptest::option::of(1u64..u64::MAX / 2),
            metadata(),
            payload()
        )
            .prop_map(
                |(id, method, us, metadata, payload)| Frame::Request(Request {
                    id,
                    method,
                    deadline: us.map(Duration::from_micros),
                    metadata,
                    payload,
                })
            ),
        (any::<u64>(), status(), metadata(), payload()).prop_map(
            |(id, status, metadata, payload)| {
                Frame::Response(Response {
                    id,
                    status,
                    metadata,
                    payload,
                })
            }
        ),
        any::<u64>().prop_map(Frame::Cancel),
        any::<u64>().prop_map(Frame::Ping),
        any::<u64>().prop_map(Frame::Pong),
        (any::<u64>(), payload()).prop_map(|(id, payload)| Frame::StreamMessage { id, payload }),
        (any::<u64>(), status()).prop_map(|(id, status)| Frame::StreamEnd { id, status }),
        (any::<u64>(), any::<u32>()).prop_map(|(id, n)| Frame::Credit { id, n }),
    ]
}

fn decode_all(mut buf: BytesMut) -> Result<Vec<Frame>, String> {
    let mut out = Vec::new();
    while let Some(f) = Frame::decode(&mut buf, DEFAULT_MAX_FRAME).map_err(|e| e.to_string())? {
        out.push(f);
    }
    if buf.is_empty() {
        Ok(out)
    } else {
        Err(format!("{} bytes left", buf.len()))
    }
}

proptest! {
    #[test]
    fn frames_round_trip(frames in proptest::collection::vec(frame(), 1..8)) {
        let mut buf = BytesMut::new();
        for f in &frames {
            f.encode(&mut buf);
        }
        prop_assert_eq!(decode_all(buf).unwrap(), frames);
    }

    #[test]
    fn encoded_len_is_what_encode_appends(f in frame()) {
        let mut buf = BytesMut::new();
        f.encode(&mut buf);
        prop_assert_eq!(f.encoded_len(), buf.len());
    }

    #[test]
    fn any_split_parses_identically(
        frames in proptest::collection::vec(frame(), 1..6),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let mut whole = BytesMut::new();
        for f in &frames {
            f.encode(&mut whole);
        }
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(whole.len() + 1)).collect();
        points.push(whole.len());
        points.sort_unstable();
        // Feed the bytes in the chunks the cut points make, decoding as we go,
        // the way the reader does with short reads.
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        let mut from = 0;
        for to in points {
            buf.extend_from_slice(&whole[from..to]);
            from = to;
            while let Some(f) = Frame::decode(&mut buf, DEFAULT_MAX_FRAME).unwrap() {
                got.push(f);
            }
        }
        prop_assert!(buf.is_empty());
        prop_assert_eq!(got, frames);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), max in 0usize..1024) {
        let mut buf = BytesMut::from(&bytes[..]);
        // Either frames, a "need more" or an error: never a panic or a loop.
        for _ in 0..bytes.len() + 1 {
            match Frame::decode(&mut buf, max) {
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => break,
            }
        }
    }

    #[test]
    fn prefixed_garbage_after_a_valid_head_never_panics(
        kind in any::<u8>(),
        body in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut buf = BytesMut::new();
        buf.extend_from_slice(&((9 + body.len()) as u32).to_be_bytes());
        buf.extend_from_slice(&[kind]);
        buf.extend_from_slice(&7u64.to_be_bytes());
        buf.extend_from_slice(&body);
        let _ = Frame::decode(&mut buf, DEFAULT_MAX_FRAME);
    }

    #[test]
    fn payload_values_round_trip_in_both_codecs(order in order()) {
        for codec in CodecKind::ALL {
            let bytes = codec.encode(&order).unwrap();
            let back: Order = codec.decode(&bytes).unwrap();
            prop_assert_eq!(&back, &order);
        }
    }

    #[test]
    fn codecs_reject_garbage_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
        for codec in CodecKind::ALL {
            let _ = codec.decode::<Order>(&bytes);
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Order {
    id: u64,
    customer: String,
    items: Vec<(String, u32, u64)>,
    note: Option<String>,
    signed: i64,
}

fn order() -> impl Strategy<Value = Order> {
    (
        any::<u64>(),
        "\\PC{0,20}",
        proptest::collection::vec(("[A-Z0-9]{1,8}", any::<u32>(), any::<u64>()), 0..5),
        proptest::option::of("\\PC{0,20}"),
        any::<i64>(),
    )
        .prop_map(|(id, customer, items, note, signed)| Order {
            id,
            customer,
            items,
            note,
            signed,
        })
}
