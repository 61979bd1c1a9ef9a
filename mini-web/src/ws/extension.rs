//! `permessage-deflate` negotiation (RFC 7692 §5, §7.1): reading the
//! client's offers from `Sec-WebSocket-Extensions`, choosing one, and the
//! response that says what was agreed.
//!
//! A client lists offers in its order of preference, each with parameters:
//!
//! ```text
//! Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10; client_max_window_bits,
//!                           permessage-deflate
//! ```
//!
//! The server takes the first offer it can honour and answers with one
//! `permessage-deflate` and the parameters that bind both sides; an offer it
//! cannot honour is declined (skipped), and if none is left the connection
//! goes on uncompressed — declining is never an error (§5). The four
//! parameters, and what each side may do with them:
//!
//! | parameter | in an offer (client asks) | in our response (we answer) |
//! |---|---|---|
//! | `server_no_context_takeover` | "reset your compressor after each message" | echoed when asked; sent unasked if our config wants it |
//! | `client_no_context_takeover` | a hint that the client resets its compressor anyway | sent when our config wants the client to reset; only then do we rely on it |
//! | `server_max_window_bits=N` | "use at most 2^N bytes of history" | echoed with a value ≤ N; below 9 we decline (see below) |
//! | `client_max_window_bits[=N]` | "I can limit my window if you ask" (N: I will anyway) | sent with our limit, only if offered (§7.1.2.2) |
//!
//! An offer with an unknown parameter, a parameter twice, or a value out of
//! range is declined (§7.1). zlib (and zlib-rs, which mini-web compresses
//! with) cannot make raw deflate with an 8-bit window — it quietly uses 9 —
//! so an offer demanding `server_max_window_bits=8` is declined rather than
//! answered with a window the client did not allow.

/// What this server is willing to agree to. Mirrors the options of Python
/// `websockets`' `ServerPerMessageDeflateFactory`; off unless a handler asks
/// for it with [`WebSocketUpgrade::deflate`](super::WebSocketUpgrade::deflate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeflateConfig {
    /// Reset our compressor after every message, whatever the client asks:
    /// worse compression, but no compressor state is kept between messages.
    pub server_no_context_takeover: bool,
    /// Ask the client to reset its compressor after every message, so that
    /// our decompressor keeps no window between messages either (RFC 7692
    /// §7.1.1.2 lets a server ask this of any client that offers the extension).
    pub client_no_context_takeover: bool,
    /// Our compression window, 9–15 (2^N bytes); the client may ask for less.
    pub server_max_window_bits: u8,
    /// The window we ask the client to stay within, 9–15 (only a client that
    /// offered `client_max_window_bits` can be asked).
    pub client_max_window_bits: u8,
    /// zlib level 0–9 (6 is zlib's default; 1 is the fastest that compresses).
    pub level: u32,
}

impl Default for DeflateConfig {
    /// Context takeover both ways and 15-bit windows: the best ratio, and
    /// what browsers and Python `websockets` use unless told otherwise.
    fn default() -> DeflateConfig {
        DeflateConfig {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: 15,
            client_max_window_bits: 15,
            level: 6,
        }
    }
}

/// The parameters both sides agreed to: how our compressor and
/// decompressor are set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreed {
    /// We reset our compressor after each message.
    pub server_no_context_takeover: bool,
    /// We asked the client to reset its compressor after each message (so
    /// our decompressor resets too).
    pub client_no_context_takeover: bool,
    /// Our compression window, in bits (9–15).
    pub server_window_bits: u8,
    /// The client's compression window, in bits (8–15): our decompressor's.
    pub client_window_bits: u8,
    /// The zlib level our compressor uses.
    pub level: u32,
    /// The `Sec-WebSocket-Extensions` value of the 101 response.
    pub response: String,
}

/// One parsed `permessage-deflate` offer.
#[derive(Default)]
struct Offer {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    /// `server_max_window_bits=N`.
    server_max_window_bits: Option<u8>,
    /// `client_max_window_bits`, with its value when it has one.
    client_max_window_bits: Option<Option<u8>>,
}

/// A window-bits value: a decimal 8–15 without leading zeroes, maybe quoted
/// (a quoted-string value must read as the token would, RFC 7692 §7.1).
fn window_bits(value: &str) -> Option<u8> {
    let v = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    match v.as_bytes() {
        [d @ b'8'..=b'9'] => Some(d - b'0'),
        [b'1', d @ b'0'..=b'5'] => Some(10 + d - b'0'),
        _ => None,
    }
}

/// Parses the parameters of one offer (the part after its name); `None`
/// declines it: unknown, repeated, or ill-valued parameters.
fn parse_offer<'a>(params: impl Iterator<Item = &'a str>) -> Option<Offer> {
    let mut offer = Offer::default();
    for param in params {
        let (name, value) = match param.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (param.trim(), None),
        };
        match (name.to_ascii_lowercase().as_str(), value) {
            ("server_no_context_takeover", None) if !offer.server_no_context_takeover => {
                offer.server_no_context_takeover = true;
            }
            ("client_no_context_takeover", None) if !offer.client_no_context_takeover => {
                offer.client_no_context_takeover = true;
            }
            ("server_max_window_bits", Some(v)) if offer.server_max_window_bits.is_none() => {
                offer.server_max_window_bits = Some(window_bits(v)?);
            }
            ("client_max_window_bits", v) if offer.client_max_window_bits.is_none() => {
                offer.client_max_window_bits = Some(match v {
                    Some(v) => Some(window_bits(v)?),
                    None => None,
                });
            }
            _ => return None,
        }
    }
    Some(offer)
}

/// Accepts `offer` under `config`, or declines it (`None`).
fn accept(offer: &Offer, config: &DeflateConfig) -> Option<Agreed> {
    let ours = config.server_max_window_bits.clamp(9, 15);
    let server_window_bits = match offer.server_max_window_bits {
        Some(asked) if asked < 9 => return None, // see the module doc: zlib cannot
        Some(asked) => asked.min(ours),
        None => ours,
    };
    let client_window_bits = match offer.client_max_window_bits {
        // A client that did not offer the parameter cannot be asked to
        // limit its window: our decompressor keeps the full 32 KiB.
        None => 15,
        Some(stated) => stated
            .unwrap_or(15)
            .min(config.client_max_window_bits.clamp(9, 15)),
    };
    let server_no_context_takeover =
        offer.server_no_context_takeover || config.server_no_context_takeover;
    // Only what the response asks for counts: the RFC calls the offer's
    // `client_no_context_takeover` a hint that the client resets anyway, but
    // clients differ (Autobahn's means "I can, if asked"), and a decompressor
    // reset while the client keeps its window fails the next message. Not
    // resetting is always safe.
    let client_no_context_takeover = config.client_no_context_takeover;

    let mut response = String::from("permessage-deflate");
    if server_no_context_takeover {
        response.push_str("; server_no_context_takeover");
    }
    if config.client_no_context_takeover {
        response.push_str("; client_no_context_takeover");
    }
    // Echoed when the client asked (§7.1.2.1 accepts by echoing), or to tell
    // it our window is smaller than it assumes.
    if offer.server_max_window_bits.is_some() || server_window_bits < 15 {
        response.push_str(&format!("; server_max_window_bits={server_window_bits}"));
    }
    if offer.client_max_window_bits.is_some() && client_window_bits < 15 {
        response.push_str(&format!("; client_max_window_bits={client_window_bits}"));
    }
    Some(Agreed {
        server_no_context_takeover,
        client_no_context_takeover,
        server_window_bits,
        client_window_bits,
        level: config.level.min(9),
        response,
    })
}

/// The first offer among `headers` (every `Sec-WebSocket-Extensions`
/// value, in order) that `config` can accept.
pub fn negotiate<'a>(
    headers: impl IntoIterator<Item = &'a str>,
    config: &DeflateConfig,
) -> Option<Agreed> {
    headers
        .into_iter()
        .flat_map(|h| h.split(','))
        .find_map(|offer| {
            let mut parts = offer.split(';');
            let name = parts.next()?.trim();
            if !name.eq_ignore_ascii_case("permessage-deflate") {
                return None;
            }
            accept(&parse_offer(parts)?, config)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(offer: &str, config: &DeflateConfig) -> Option<String> {
        negotiate([offer], config).map(|a| a.response)
    }

    #[test]
    fn plain_offers_and_what_browsers_send() {
        let d = DeflateConfig::default();
        assert_eq!(
            response("permessage-deflate", &d).as_deref(),
            Some("permessage-deflate")
        );
        // Chromium and Firefox offer this.
        let a = negotiate(["permessage-deflate; client_max_window_bits"], &d).unwrap();
        assert_eq!(a.response, "permessage-deflate");
        assert_eq!((a.server_window_bits, a.client_window_bits), (15, 15));
        // Other extensions are not ours; they are skipped, not an error.
        assert_eq!(response("x-webkit-deflate-frame", &d), None);
        assert_eq!(
            response("foo, permessage-deflate", &d).as_deref(),
            Some("permessage-deflate")
        );
    }

    #[test]
    fn parameters_are_echoed_or_limited() {
        let d = DeflateConfig::default();
        let a = negotiate(
            ["permessage-deflate; server_no_context_takeover; server_max_window_bits=10"],
            &d,
        )
        .unwrap();
        assert_eq!(
            a.response,
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10"
        );
        assert!(a.server_no_context_takeover);
        assert_eq!(a.server_window_bits, 10);
        // The client states its own window: our decompressor can use it.
        let a = negotiate(["permessage-deflate; client_max_window_bits=9"], &d).unwrap();
        assert_eq!(a.response, "permessage-deflate; client_max_window_bits=9");
        assert_eq!(a.client_window_bits, 9);
        let small = DeflateConfig {
            server_max_window_bits: 11,
            client_max_window_bits: 12,
            client_no_context_takeover: true,
            ..DeflateConfig::default()
        };
        assert_eq!(
            response("permessage-deflate; client_max_window_bits", &small).as_deref(),
            Some(
                "permessage-deflate; client_no_context_takeover; server_max_window_bits=11; client_max_window_bits=12"
            )
        );
        // Without the client's parameter we may not ask it to limit its window.
        let a = negotiate(["permessage-deflate"], &small).unwrap();
        assert_eq!(a.client_window_bits, 15);
        assert!(!a.response.contains("client_max_window_bits"));
        // A quoted value reads as the token.
        let a = negotiate(["permessage-deflate; server_max_window_bits=\"12\""], &d).unwrap();
        assert_eq!(a.server_window_bits, 12);
    }

    #[test]
    fn bad_offers_are_declined_and_the_next_one_taken() {
        let d = DeflateConfig::default();
        for bad in [
            "permessage-deflate; foo",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=7",
            "permessage-deflate; server_max_window_bits=010",
            "permessage-deflate; client_max_window_bits=abc",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
            // Valid, but a window zlib cannot make: declined, not mis-answered.
            "permessage-deflate; server_max_window_bits=8",
        ] {
            assert_eq!(response(bad, &d), None, "{bad}");
        }
        let a = negotiate(
            [
                "permessage-deflate; server_max_window_bits=8",
                "permessage-deflate; server_max_window_bits=9",
            ],
            &d,
        )
        .unwrap();
        assert_eq!(a.server_window_bits, 9);
    }
}
