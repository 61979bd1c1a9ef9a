//! `LOLWUT [VERSION v]`: a piece of art and the server's version, as
//! Redis's `lolwutCommand` (`src/lolwut.c`) answers: the art is ours (a
//! Sierpinski triangle, drawn from Pascal's triangle modulo 2), the last
//! line names the server in Redis's `Redis ver. 7.0.15` style.
//!
//! As in Redis, `VERSION` must be followed by an integer (only when it has
//! an argument), other arguments are ignored, and the reply is a verbatim
//! string in RESP3.

use super::{Ctx, int_arg, is};
use crate::protocol::Argv;

/// Rows of the triangle: a power of two, so that it closes.
const ROWS: usize = 16;

/// The triangle: row `y` has a mark at `x` when `C(y, x)` is odd, which
/// (Lucas's theorem) is when the bits of `x` are a subset of those of `y`.
fn sierpinski(rows: usize) -> String {
    let mut art = String::with_capacity(rows * (2 * rows + 1));
    for y in 0..rows {
        art.extend(std::iter::repeat_n(' ', rows - 1 - y));
        for x in 0..=y {
            art.push(if x & !y == 0 { '▲' } else { ' ' });
            art.push(' ');
        }
        while art.ends_with(' ') {
            art.pop();
        }
        art.push('\n');
    }
    art
}

/// `LOLWUT [VERSION version]`
pub fn lolwut(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len() >= 3 && is(argv.get(1), "version") && int_arg(ctx, argv.get(2)).is_none() {
        return;
    }
    let text = format!(
        "{}\nkv-cache ver. {}\n",
        sierpinski(ROWS),
        env!("CARGO_PKG_VERSION")
    );
    ctx.out.verbatim(text.as_bytes());
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_triangle_is_pascals_modulo_two() {
        let art = super::sierpinski(4);
        assert_eq!(art, "   ▲\n  ▲ ▲\n ▲   ▲\n▲ ▲ ▲ ▲\n");
    }
}
