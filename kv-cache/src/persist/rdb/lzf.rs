//! LZF, the compression of long strings in an RDB file
//! (`rdbcompression yes`). Redis: `src/lzf_c.c`, `src/lzf_d.c`.
//!
//! The format is a sequence of runs, each led by a control byte:
//!
//! ```text
//!   000LLLLL  <L+1 literal bytes>            copy 1..32 bytes as they are
//!   LLLooooo  oooooooo                      back-reference, L = 1..6
//!   111ooooo  LLLLLLLL  oooooooo            back-reference, length 7 + L
//!   copy (length + 2) bytes from (offset + 1) bytes behind the output end
//! ```
//!
//! The compressor is ours: a greedy matcher over a hash table of 3-byte
//! prefixes, 8 KB window. Any LZF decoder reads its output; it is not
//! Redis's byte for byte (Redis's choice of matches depends on its hash
//! function), so a compressed string's `DUMP` may differ from Redis's while
//! meaning the same bytes.

/// Longest literal run (the 5-bit length + 1).
const MAX_LITERAL: usize = 32;
/// Longest back-reference: 2 + 7 + 255.
const MAX_MATCH: usize = 264;
/// Farthest back-reference: 13 bits of offset, + 1.
const MAX_OFFSET: usize = 8192;
/// Largest hash table (log2 of its slots). The table is sized to the
/// input, down to 2^8 slots: it is allocated and zeroed per call, and most
/// strings a save compresses are short.
const HASH_LOG_MAX: u32 = 14;

/// Compresses `input`; `None` if the result would not be shorter than
/// `limit` bytes (the caller then stores the string as it is).
pub fn compress(input: &[u8], limit: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(limit);
    let log = (usize::BITS - input.len().leading_zeros()).clamp(8, HASH_LOG_MAX);
    let mut table = vec![0u32; 1 << log]; // position + 1; 0 = empty
    let mut lit_start = 0;
    let mut i = 0;
    let n = input.len();
    while i + 2 < n {
        let h = hash(&input[i..i + 3], log);
        let candidate = table[h] as usize;
        table[h] = (i + 1) as u32;
        if candidate != 0 {
            let r = candidate - 1;
            let off = i - r;
            if off <= MAX_OFFSET && input[r..r + 3] == input[i..i + 3] {
                let mut len = 3;
                while len < MAX_MATCH && i + len < n && input[r + len] == input[i + len] {
                    len += 1;
                }
                flush_literals(&mut out, &input[lit_start..i]);
                let (l, o) = (len - 2, off - 1);
                if l < 7 {
                    out.push(((l << 5) | (o >> 8)) as u8);
                } else {
                    out.push(((7 << 5) | (o >> 8)) as u8);
                    out.push((l - 7) as u8);
                }
                out.push((o & 0xff) as u8);
                // Remember the positions inside the match too, so that
                // the next repetition of them is found.
                for p in i + 1..(i + len).min(n - 2) {
                    table[hash(&input[p..p + 3], log)] = (p + 1) as u32;
                }
                i += len;
                lit_start = i;
                if out.len() >= limit {
                    return None;
                }
                continue;
            }
        }
        i += 1;
    }
    flush_literals(&mut out, &input[lit_start..]);
    (out.len() < limit && !out.is_empty()).then_some(out)
}

fn hash(b: &[u8], log: u32) -> usize {
    let v = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
    (v.wrapping_mul(2654435761) >> (32 - log)) as usize
}

fn flush_literals(out: &mut Vec<u8>, mut lits: &[u8]) {
    while !lits.is_empty() {
        let k = lits.len().min(MAX_LITERAL);
        out.push((k - 1) as u8);
        out.extend_from_slice(&lits[..k]);
        lits = &lits[k..];
    }
}

/// Decompresses `input` into exactly `len` bytes; `None` if the data is
/// not a valid LZF stream of that length.
pub fn decompress(input: &[u8], len: usize) -> Option<Vec<u8>> {
    // Cap the reservation: `len` comes from the file.
    let mut out = Vec::with_capacity(len.min(input.len().saturating_mul(300) + 64));
    let mut i = 0;
    while i < input.len() {
        let ctrl = input[i] as usize;
        i += 1;
        if ctrl < 32 {
            let run = input.get(i..i + ctrl + 1)?;
            if out.len() + run.len() > len {
                return None;
            }
            out.extend_from_slice(run);
            i += ctrl + 1;
        } else {
            let mut l = ctrl >> 5;
            if l == 7 {
                l += *input.get(i)? as usize;
                i += 1;
            }
            let back = ((ctrl & 0x1f) << 8) + *input.get(i)? as usize + 1;
            i += 1;
            let from = out.len().checked_sub(back)?;
            if out.len() + l + 2 > len {
                return None;
            }
            // Byte by byte: the source may overlap what is being written.
            for k in 0..l + 2 {
                let b = out[from + k];
                out.push(b);
            }
        }
    }
    (out.len() == len).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn compresses_repetition_and_reads_it_back() {
        let s = b"abcabcabcabcabcabcabcabcabcabcabcabc hello hello hello".repeat(10);
        let c = compress(&s, s.len() - 4).unwrap();
        assert!(c.len() < s.len() / 4);
        assert_eq!(decompress(&c, s.len()).unwrap(), s);
    }

    #[test]
    fn incompressible_input_is_refused() {
        let s: Vec<u8> = (0..64u32).map(|i| (i * 97 % 251) as u8).collect();
        assert!(compress(&s, s.len() - 4).is_none());
    }

    proptest! {
        #[test]
        fn round_trip(s in proptest::collection::vec(0u8..4, 0..3000)) {
            if let Some(c) = compress(&s, s.len() + 64) {
                prop_assert_eq!(decompress(&c, s.len()).unwrap(), s);
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..200), n in 0usize..1000) {
            let _ = decompress(&b, n);
        }
    }
}
