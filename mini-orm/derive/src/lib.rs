//! `#[derive(Model)]` for `mini-orm` (planned: see the `mini-orm` crate's `# Layout`).
