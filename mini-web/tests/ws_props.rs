//! Property tests of the WebSocket codec: frames round-trip through the
//! writer and the parser (every length form, masked or not), arbitrary
//! bytes never panic the parser or a socket reading them (with and without
//! `permessage-deflate`), compressed messages round-trip through two
//! sockets however the compressed bytes are fragmented, and UTF-8
//! validation in pieces agrees with std for any split.

use bytes::BytesMut;
use mini_web::upgrade::Upgraded;
use mini_web::ws::frame::{Opcode, apply_mask, parse_header, write_frame, write_frame_rsv1};
use mini_web::ws::{DeflateConfig, Message, Utf8Validator, WebSocket, WebSocketConfig, negotiate};
use proptest::prelude::*;
use tokio::io::AsyncWriteExt;

fn opcode() -> impl Strategy<Value = Opcode> {
    prop_oneof![
        Just(Opcode::Continuation),
        Just(Opcode::Text),
        Just(Opcode::Binary),
        Just(Opcode::Close),
        Just(Opcode::Ping),
        Just(Opcode::Pong),
    ]
}

/// Payload lengths around the 7/16/64-bit boundaries, and small ones.
fn payload_len() -> impl Strategy<Value = usize> {
    prop_oneof![0..130usize, 65_530..65_540usize, Just(70_000)]
}

/// A socket over `io`, compressing if `deflate`.
fn socket(io: tokio::io::DuplexStream, config: WebSocketConfig, deflate: bool) -> WebSocket {
    let conn = Upgraded {
        io: Box::new(io),
        read_ahead: BytesMut::new(),
    };
    let agreed = negotiate(["permessage-deflate"], &DeflateConfig::default());
    match agreed {
        Some(agreed) if deflate => WebSocket::from_raw_with_deflate(conn, config, agreed),
        _ => WebSocket::from_raw(conn, config),
    }
}

/// Feeds `bytes` to a server-side socket and reads until it ends; returns how
/// many messages came out. Bounded: each message consumes input.
fn drive_socket(bytes: Vec<u8>) -> usize {
    drive(bytes, false).len()
}

/// [`drive_socket`], with `permessage-deflate` agreed if `deflate`; returns
/// the data messages that came out.
fn drive(bytes: Vec<u8>, deflate: bool) -> Vec<Message> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let (ours, mut peer) = tokio::io::duplex(1 << 16);
        let config = WebSocketConfig {
            max_message_size: 4096,
            max_frame_size: 2048,
            ..WebSocketConfig::default()
        };
        let mut ws = socket(ours, config, deflate);
        let feed = tokio::spawn(async move {
            let _ = peer.write_all(&bytes).await;
            let _ = peer.shutdown().await;
            // Keep reading what the socket writes (pongs, close) so it never blocks.
            let mut sink = Vec::new();
            let _ = tokio::io::AsyncReadExt::read_to_end(&mut peer, &mut sink).await;
        });
        let mut out = Vec::new();
        let mut n = 0;
        while let Some(msg) = ws.recv().await {
            n += 1;
            assert!(n <= 10_000, "more messages than input bytes allow");
            if let Ok(m @ (Message::Text(_) | Message::Binary(_))) = msg {
                out.push(m);
            }
        }
        let _ = feed.await;
        out
    })
}

/// What a compressing server socket writes for `msgs`: its frames, as bytes.
fn compressed_wire(msgs: &[Message]) -> Vec<u8> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (ours, mut peer) = tokio::io::duplex(1 << 20);
        let mut ws = socket(ours, WebSocketConfig::default(), true);
        let reader = tokio::spawn(async move {
            let mut wire = Vec::new();
            let _ = tokio::io::AsyncReadExt::read_to_end(&mut peer, &mut wire).await;
            wire
        });
        for m in msgs {
            ws.send(m.clone()).await.unwrap();
        }
        drop(ws);
        reader.await.unwrap()
    })
}

/// Re-frames a server's unmasked single-frame messages as a client's: masked,
/// each payload cut into `pieces` fragments (RSV1 on the first only).
fn as_client_fragments(server_wire: &[u8], pieces: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some((h, n)) = parse_header(&server_wire[at..]).unwrap() {
        let payload = &server_wire[at + n..at + n + h.len as usize];
        at += n + h.len as usize;
        let step = payload.len().div_ceil(pieces).max(1);
        let chunks: Vec<&[u8]> = if payload.is_empty() {
            vec![payload]
        } else {
            payload.chunks(step).collect()
        };
        for (i, chunk) in chunks.iter().enumerate() {
            let op = if i == 0 {
                h.opcode
            } else {
                Opcode::Continuation
            };
            let fin = i + 1 == chunks.len();
            write_frame_rsv1(
                &mut out,
                fin,
                i == 0 && h.rsv1,
                op,
                Some([9, 8, 7, 6]),
                chunk,
            );
        }
    }
    out
}

proptest! {
    #[test]
    fn frames_round_trip(
        fin in any::<bool>(),
        op in opcode(),
        mask in proptest::option::of(any::<[u8; 4]>()),
        len in payload_len(),
        seed in any::<u8>(),
    ) {
        // Control frames are short and final by rule; the writer is not asked for others.
        let (fin, len) = if op.is_control() { (true, len % 126) } else { (fin, len) };
        let payload: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(31) ^ seed).collect();
        let mut wire = Vec::new();
        write_frame(&mut wire, fin, op, mask, &payload);
        let (h, n) = parse_header(&wire).unwrap().unwrap();
        prop_assert_eq!((h.fin, h.opcode, h.mask, h.len as usize), (fin, op, mask, len));
        // The shortest length form: 2, 4 or 10 header bytes (+4 with a mask).
        let form = if len < 126 { 2 } else if len <= 0xFFFF { 4 } else { 10 };
        prop_assert_eq!(n, form + if mask.is_some() { 4 } else { 0 });
        let mut body = wire[n..].to_vec();
        if let Some(key) = mask {
            apply_mask(&mut body, key, 0);
        }
        prop_assert_eq!(body, payload);
        // Every strict prefix of the header is "not yet".
        for cut in 0..n {
            prop_assert!(parse_header(&wire[..cut]).unwrap().is_none());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_parser(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = parse_header(&bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic_a_socket(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        drive_socket(bytes);
    }

    #[test]
    fn arbitrary_masked_frames_never_panic_a_socket(
        frames in prop::collection::vec((any::<bool>(), 0u8..16, prop::collection::vec(any::<u8>(), 0..300)), 0..8),
    ) {
        // Well-formed headers with any opcode bits and payloads: reaches the
        // socket's state rules (continuations, close payloads, UTF-8) far
        // more often than raw noise does.
        let mut wire = Vec::new();
        for (fin, bits, payload) in frames {
            let mut one = Vec::new();
            write_frame(&mut one, fin, Opcode::Binary, Some([1, 2, 3, 4]), &payload);
            one[0] = (one[0] & 0xF0) | bits;
            wire.extend_from_slice(&one);
        }
        drive_socket(wire);
    }

    #[test]
    fn arbitrary_compressed_frames_never_panic_a_socket(
        frames in prop::collection::vec((any::<bool>(), any::<bool>(), prop::collection::vec(any::<u8>(), 0..300)), 0..8),
    ) {
        // RSV1 frames of noise: invalid deflate data, bombs, RSV1 on
        // continuations — each must end in a close, never a panic.
        let mut wire = Vec::new();
        for (fin, rsv1, payload) in frames {
            write_frame_rsv1(&mut wire, fin, rsv1, Opcode::Text, Some([1, 2, 3, 4]), &payload);
        }
        drive(wire, true);
    }

    #[test]
    fn compressed_messages_round_trip_in_any_fragmentation(
        texts in prop::collection::vec(".{0,300}", 1..5),
        // Random bytes do not compress: kept under `drive`'s 2048-byte frame limit.
        binary in prop::collection::vec(any::<u8>(), 0..1500),
        pieces in 1usize..6,
    ) {
        // Context takeover spans the messages, so their order matters too.
        let mut msgs: Vec<Message> = texts.into_iter().map(Message::Text).collect();
        msgs.push(Message::Binary(binary.into()));
        let wire = as_client_fragments(&compressed_wire(&msgs), pieces);
        prop_assert_eq!(drive(wire, true), msgs);
    }

    #[test]
    fn utf8_in_pieces_agrees_with_std(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..40),
            ".{0,20}".prop_map(String::into_bytes),
        ],
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    ) {
        let mut at: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
        at.sort_unstable();
        let mut v = Utf8Validator::default();
        let mut ok = true;
        let mut start = 0;
        for end in at.into_iter().chain([bytes.len()]) {
            ok = ok && v.feed(&bytes[start..end]);
            start = end;
        }
        prop_assert_eq!(ok && v.is_complete(), std::str::from_utf8(&bytes).is_ok());
    }
}
