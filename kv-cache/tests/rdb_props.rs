//! Property tests of the RDB format through the library: random datasets
//! of every type and encoding survive RDB bytes → load, and each value
//! survives `DUMP` → `RESTORE`; bad files (truncated anywhere, a byte
//! flipped, a wrong version or checksum) are refused with an error that
//! names an offset, and never panic.

use kv_cache::config::Config;
use kv_cache::db::hash::{self, Hash};
use kv_cache::db::list::List;
use kv_cache::db::set::Set;
use kv_cache::db::zset::{self, ZSet};
use kv_cache::db::{Keyspace, Val};
use kv_cache::persist::rdb::file::{self, Options};
use kv_cache::persist::rdb::object::Shape;
use kv_cache::persist::rdb::{crc64, dump};
use proptest::prelude::*;

const NOW: i64 = 1_800_000_000_000;

fn text() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec(prop::sample::select(&b"abc"[..]), 1..6),
        2 => any::<i64>().prop_map(|n| n.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..90),
        // Long and repetitive: LZF-compressed.
        1 => (prop::collection::vec(any::<u8>(), 1..4), 10..60usize).prop_map(|(b, n)| b.repeat(n)),
    ]
}

/// A value of one of the five types, in either of its encodings (sizes
/// reach past the default thresholds: 512 fields, 128 members, 64 bytes).
fn value() -> impl Strategy<Value = Val> {
    let limits = hash::Limits::of(&Config::default());
    let zl = zset::Limits {
        max_entries: 128,
        max_value: 64,
    };
    prop_oneof![
        text().prop_map(|t| Val::from_bytes(&t)),
        prop::collection::vec(text(), 1..40).prop_map(|items| {
            let mut l = List::new(-2);
            items.iter().for_each(|i| l.push_back(i));
            Val::List(Box::new(l))
        }),
        (0..700usize, any::<bool>(), any::<i64>()).prop_map(|(n, ints, seed)| {
            let m = |i: usize| {
                if ints {
                    (seed.wrapping_add(i as i64 * 7919)).to_string()
                } else {
                    format!("m{i}")
                }
            };
            let mut s = Set::new_for(m(0).as_bytes());
            (0..n.max(1)).for_each(|i| {
                s.add(m(i).as_bytes(), 512);
            });
            Val::Set(Box::new(s))
        }),
        (prop::collection::vec((text(), text()), 1..30), 0..600usize).prop_map(
            move |(pairs, extra)| {
                let mut h = Hash::new();
                for (f, v) in &pairs {
                    h.set(f, v, limits);
                }
                (0..extra).for_each(|i| {
                    h.set(format!("f{i}").as_bytes(), b"v", limits);
                });
                Val::Hash(Box::new(h))
            }
        ),
        prop::collection::vec(
            (
                text(),
                prop_oneof![
                    any::<f64>().prop_filter("no NaN", |f| !f.is_nan()),
                    (-1000i64..1000).prop_map(|n| n as f64),
                    Just(f64::INFINITY),
                    Just(-0.0)
                ]
            ),
            1..200
        )
        .prop_map(move |pairs| {
            let mut z = ZSet::new();
            for (m, s) in pairs {
                if z.score(&m).is_none() {
                    z.insert_new(s, &m, zl);
                }
            }
            Val::ZSet(Box::new(z))
        }),
    ]
}

fn dataset() -> impl Strategy<Value = Keyspace> {
    prop::collection::vec(
        (
            0..4usize,
            text(),
            value(),
            prop::option::of(1..10_000_000i64),
        ),
        0..12,
    )
    .prop_map(|keys| {
        let mut ks = Keyspace::new(16);
        ks.now_ms = NOW;
        for (db, k, v, ttl) in keys {
            ks.set(db, &k, v, false);
            ks.set_expire(db, &k, ttl.map(|t| NOW + t));
        }
        ks
    })
}

fn save(ks: &Keyspace, compress: bool) -> Vec<u8> {
    let opts = Options {
        compress,
        checksum: true,
    };
    file::write(Vec::new(), ks, opts, 0, NOW / 1000).unwrap()
}

fn load(b: &[u8]) -> Result<Keyspace, kv_cache::persist::rdb::RdbError> {
    file::read(b, 16, &Shape::default(), NOW, true).map(|(ks, _)| ks)
}

fn assert_same(a: &Keyspace, b: &Keyspace) {
    for (i, (x, y)) in a.dbs.iter().zip(&b.dbs).enumerate() {
        assert_eq!(x.dict.len(), y.dict.len(), "db {i} size");
        kv_cache::db::set::walk(&x.dict, |k, v| {
            let w = &y.dict.get(k).expect("key loaded").value;
            assert_eq!(v, w, "db {i} key {k:?}");
            assert_eq!(
                x.expires.get(k).map(|e| e.value),
                y.expires.get(k).map(|e| e.value)
            );
            true
        });
    }
}

/// A small file with a key of each type, for the bad-file tests.
fn small_file() -> Vec<u8> {
    let mut ks = Keyspace::new(16);
    ks.now_ms = NOW;
    ks.set(0, b"s", Val::from_bytes(b"hello"), false);
    ks.set(0, b"n", Val::from_bytes(b"42"), false);
    let mut l = List::new(-2);
    l.push_back(b"a");
    l.push_back(b"17");
    ks.set(0, b"l", Val::List(Box::new(l)), false);
    let mut h = Hash::new();
    h.set(b"f", b"v", hash::Limits::of(&Config::default()));
    ks.set(1, b"h", Val::Hash(Box::new(h)), false);
    ks.set_expire(1, b"h", Some(NOW + 5000));
    save(&ks, true)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn datasets_round_trip_through_rdb(ks in dataset(), compress in any::<bool>()) {
        let bytes = save(&ks, compress);
        assert_same(&ks, &load(&bytes).unwrap());
    }

    #[test]
    fn values_round_trip_through_dump(v in value(), compress in any::<bool>()) {
        let p = dump::create(&v, compress);
        prop_assert_eq!(dump::restore(&p, &Shape::default(), true).unwrap(), v);
    }

    #[test]
    fn a_flipped_byte_is_refused(at in any::<prop::sample::Index>(), bit in 0..8u8) {
        let mut f = small_file();
        let i = at.index(f.len());
        f[i] ^= 1 << bit;
        let e = load(&f).unwrap_err();
        prop_assert!(e.offset <= f.len(), "{}", e);
    }

    #[test]
    fn arbitrary_bytes_never_panic(tail in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut f = b"REDIS0010".to_vec();
        f.extend(tail);
        let _ = file::read(&f, 16, &Shape::default(), NOW, false);
        let _ = dump::restore(&f, &Shape::default(), false);
    }
}

#[test]
fn truncated_at_every_offset_is_refused() {
    let f = small_file();
    assert!(load(&f).is_ok());
    for n in 0..f.len() {
        let e = load(&f[..n]).expect_err("a truncated file loads");
        assert!(e.offset <= n, "offset {} past the end {n}: {e}", e.offset);
    }
}

#[test]
fn wrong_version_and_wrong_checksum_are_named() {
    let mut f = small_file();
    f[5..9].copy_from_slice(b"0011");
    let e = load(&f).unwrap_err();
    assert_eq!(
        (e.offset, e.to_string().contains("version 0011")),
        (5, true),
        "{e}"
    );
    let mut f = small_file();
    let n = f.len();
    f[n - 1] ^= 0xff;
    let e = load(&f).unwrap_err();
    assert!(e.to_string().starts_with("wrong RDB checksum"), "{e}");
    assert_eq!(e.offset, n - 8);
    // A zero checksum means "not computed" (`rdbchecksum no`) and loads.
    f[n - 8..].fill(0);
    assert!(load(&f).is_ok());
}

#[test]
fn a_dump_payload_is_checked() {
    let p = dump::create(&Val::from_bytes(b"hello"), true);
    // The bytes redis-server 7.0.15 replies to `SET k hello` + `DUMP k`.
    assert_eq!(p, b"\x00\x05hello\x0a\x00\x63\x72\xdf\x76\x65\x34\x20\x0a");
    let mut bad = p.clone();
    bad[2] ^= 1;
    assert_eq!(
        dump::restore(&bad, &Shape::default(), true),
        Err(dump::Refused::VersionOrChecksum)
    );
    // A payload with a good checksum over `body` and RDB version `v`.
    let sealed = |body: &[u8], v: u16| {
        let mut p = body.to_vec();
        p.extend_from_slice(&v.to_le_bytes());
        let crc = crc64::update(0, &p);
        p.extend_from_slice(&crc.to_le_bytes());
        p
    };
    let restore = |p: &[u8]| dump::restore(p, &Shape::default(), true);
    assert_eq!(
        restore(&sealed(&p[..p.len() - 10], 11)),
        Err(dump::Refused::VersionOrChecksum)
    );
    assert_eq!(
        restore(&sealed(&p[..p.len() - 10], 9)).ok(),
        Some(Val::from_bytes(b"hello"))
    );
    // A checksummed body that is not a value.
    assert_eq!(
        restore(&sealed(&[0x04, 0x05], 10)),
        Err(dump::Refused::BadFormat)
    );
}

/// A ziplist of `a`, 5, 1000, `hello` as Redis 6 writes one: each entry
/// is the previous entry's length, an encoding, the data.
fn ziplist_a_5_1000_hello() -> Vec<u8> {
    let mut z = vec![27, 0, 0, 0, 19, 0, 0, 0, 4, 0];
    z.extend_from_slice(&[0, 0x01, b'a']); // 6-bit string
    z.extend_from_slice(&[3, 0xF6]); // immediate 0..12: 0xF1 + value
    z.extend_from_slice(&[2, 0xC0, 0xE8, 0x03]); // int16
    z.extend_from_slice(&[4, 0x05, b'h', b'e', b'l', b'l', b'o']);
    z.push(0xFF);
    z
}

#[test]
fn encodings_of_older_redis_versions_load() {
    use kv_cache::persist::rdb::wire::Out;
    let mut o = Out::new(false);
    o.buf.extend_from_slice(b"REDIS0009");
    o.byte(254);
    o.length(0);
    // LIST_QUICKLIST: ziplist nodes (Redis 3.2 – 6.2).
    o.byte(14);
    o.string(b"l");
    o.length(1);
    o.string(&ziplist_a_5_1000_hello());
    // ZSET: scores as text, 254 = +inf (Redis ≤ 4.0).
    o.byte(3);
    o.string(b"z");
    o.length(2);
    o.string(b"a");
    o.buf.extend_from_slice(b"\x031.5");
    o.string(b"b");
    o.byte(254);
    // HASH_ZIPLIST with an EXPIRETIME in seconds before it.
    o.byte(253);
    o.buf
        .extend_from_slice(&((NOW / 1000 + 60) as i32).to_le_bytes());
    o.byte(13);
    o.string(b"h");
    let mut z = ziplist_a_5_1000_hello();
    z[8] = 4;
    o.string(&z);
    o.byte(255);
    let crc = crc64::update(0, &o.buf);
    o.buf.extend_from_slice(&crc.to_le_bytes());
    let mut ks = load(&o.buf).unwrap();
    let list: Vec<Vec<u8>> = match ks.get(0, b"l") {
        Some(Val::List(l)) => l.iter().map(<[u8]>::to_vec).collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(list, [&b"a"[..], b"5", b"1000", b"hello"]);
    match ks.get(0, b"z") {
        Some(Val::ZSet(z)) => assert_eq!(
            z.iter().collect::<Vec<_>>(),
            [(&b"a"[..], 1.5), (&b"b"[..], f64::INFINITY)]
        ),
        other => panic!("{other:?}"),
    }
    match ks.get(0, b"h") {
        Some(Val::Hash(h)) => assert_eq!(
            (h.get(b"a"), h.get(b"1000")),
            (Some(&b"5"[..]), Some(&b"hello"[..]))
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(ks.expire_of(0, b"h"), Some(NOW + 60_000));
}
