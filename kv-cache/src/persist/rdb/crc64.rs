//! CRC-64/Jones, the checksum at the end of an RDB file and of a `DUMP`
//! payload. Redis: `src/crc64.c` (polynomial `0xad93d23594c935a9`, bits
//! reflected in and out, initial value 0, no final xor).
//!
//! Table-driven, a byte at a time: the table is built at compile time
//! from the reflected polynomial, so there is nothing to initialise at
//! run time (Redis's `crc64_init`).

/// The Jones polynomial, bit-reversed for the reflected (LSB-first) form.
const POLY_REFLECTED: u64 = 0xad93d23594c935a9u64.reverse_bits();

const TABLE: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u64;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ POLY_REFLECTED
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// Continues the checksum `crc` over `data` (start with 0).
pub fn update(mut crc: u64, data: &[u8]) -> u64 {
    for &b in data {
        crc = TABLE[((crc ^ b as u64) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_redis_check_value() {
        // The value Redis's own crc64 test expects for "123456789".
        assert_eq!(super::update(0, b"123456789"), 0xe9c6d914c4b8d9ca);
        let split = super::update(super::update(0, b"1234"), b"56789");
        assert_eq!(split, 0xe9c6d914c4b8d9ca);
    }
}
