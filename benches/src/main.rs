//! `cargo run --release -p benches [-- <crate>...] [--quick]` — every crate
//! against its production counterpart. See the README.

fn main() -> anyhow::Result<()> {
    let all = benches::suites::all();
    println!("{} comparisons registered", all.len());
    Ok(())
}
