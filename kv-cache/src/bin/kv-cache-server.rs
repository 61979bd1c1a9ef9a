//! `cargo run --release -p kv-cache -- --port 6380`, then `redis-cli -p 6380 ping`.
fn main() {}
