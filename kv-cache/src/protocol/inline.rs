//! Inline requests: `SET key "a value"` typed into telnet. Redis splits such
//! lines with `sdssplitargs` (`src/sds.c`); this is the same grammar, also
//! used for redis.conf lines.

use super::ProtocolError;

/// Splits an inline line into arguments as Redis's `sdssplitargs` does:
/// whitespace separates, `"..."` understands `\n \r \t \b \a \\ \" \xHH`,
/// `'...'` understands `\'`, and a closing quote must be followed by a space
/// or the end of the line.
pub fn split_args(
    line: &[u8],
    out: &mut Vec<u8>,
    ranges: &mut Vec<(usize, usize)>,
) -> Result<(), ProtocolError> {
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= n {
            return Ok(());
        }
        let start = out.len();
        let mut in_dq = false;
        let mut in_sq = false;
        loop {
            if in_dq {
                if i >= n {
                    return Err(ProtocolError::UnbalancedQuotes);
                }
                let c = line[i];
                if c == b'\\'
                    && i + 3 < n
                    && line[i + 1] == b'x'
                    && is_hex(line[i + 2])
                    && is_hex(line[i + 3])
                {
                    out.push(hex(line[i + 2]) * 16 + hex(line[i + 3]));
                    i += 3;
                } else if c == b'\\' && i + 1 < n {
                    i += 1;
                    out.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        other => other,
                    });
                } else if c == b'"' {
                    if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                        return Err(ProtocolError::UnbalancedQuotes);
                    }
                    i += 1;
                    break;
                } else {
                    out.push(c);
                }
            } else if in_sq {
                if i >= n {
                    return Err(ProtocolError::UnbalancedQuotes);
                }
                let c = line[i];
                if c == b'\\' && i + 1 < n && line[i + 1] == b'\'' {
                    out.push(b'\'');
                    i += 1;
                } else if c == b'\'' {
                    if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                        return Err(ProtocolError::UnbalancedQuotes);
                    }
                    i += 1;
                    break;
                } else {
                    out.push(c);
                }
            } else {
                if i >= n {
                    break;
                }
                match line[i] {
                    c if c.is_ascii_whitespace() => break,
                    b'"' => in_dq = true,
                    b'\'' => in_sq = true,
                    c => out.push(c),
                }
            }
            i += 1;
        }
        ranges.push((start, out.len()));
    }
}

fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

fn hex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> Result<Vec<String>, ProtocolError> {
        let (mut out, mut ranges) = (Vec::new(), Vec::new());
        split_args(line.as_bytes(), &mut out, &mut ranges)?;
        Ok(ranges
            .iter()
            .map(|&(s, e)| String::from_utf8_lossy(&out[s..e]).into_owned())
            .collect())
    }

    #[test]
    fn sdssplitargs_grammar() {
        assert_eq!(split("  set  a   b ").unwrap(), ["set", "a", "b"]);
        assert_eq!(
            split(r#"set "a\tb\x41" 'it\'s'"#).unwrap(),
            ["set", "a\tbA", "it's"]
        );
        assert_eq!(split(r#"echo """#).unwrap(), ["echo", ""]);
        assert_eq!(split(r#"echo "a"b"#), Err(ProtocolError::UnbalancedQuotes));
        assert_eq!(split(r#"echo 'a"#), Err(ProtocolError::UnbalancedQuotes));
    }
}
