//! mini-orm against raw rusqlite and Diesel on Diesel's `diesel_bench`
//! workloads, SQLite in memory, one schema for all three:
//!
//! ```text
//! users(id, name, hair_color)   posts(id, user_id, title, body)   comments(id, post_id, text)
//! ```
//!
//! - `trivial_query`: load every user (N users).
//! - `medium_complex_query`: users LEFT JOIN posts WHERE hair_color = 'black'
//!   (N users, half black; every fourth user has one post).
//! - `insert`: insert N users with one multi-row statement.
//! - `loading_associations`: 9 users × 10 posts × 10 comments, three queries,
//!   grouped into `Vec<(User, Vec<(Post, Vec<Comment>)>)>`.
//!
//! Each `measure` runs the operation a fixed number of times (chosen from
//! the case, the same for every impl) and reports the **mean** time per
//! operation in microseconds; the runner then takes the median over rounds.
//! Each impl owns its own in-memory database, seeded with the same script.

mod diesel_side;
mod ours;
mod raw;

use std::collections::HashMap;
use std::time::Instant;

use anyhow::bail;

use crate::runner::{Comparison, Impl, Provenance, Sample, Skip, Target};

/// The schema, as SQL every side runs (Diesel's `table!` and our models
/// describe the same columns).
pub(crate) const SCHEMA: &str = "
    CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT);
    CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), title TEXT NOT NULL, body TEXT);
    CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL REFERENCES posts(id), text TEXT NOT NULL);
    CREATE INDEX posts_user_id ON posts (user_id);
    CREATE INDEX comments_post_id ON comments (post_id);";

/// The four workloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Workload {
    Trivial,
    Medium,
    Insert,
    Associations,
}

impl Workload {
    fn bench(self) -> &'static str {
        match self {
            Workload::Trivial => "trivial_query",
            Workload::Medium => "medium_complex_query",
            Workload::Insert => "insert",
            Workload::Associations => "loading_associations",
        }
    }

    /// Operations per `measure` call for size `n`: enough for tens of
    /// milliseconds, so timer resolution and one-off costs vanish.
    fn iterations(self, n: usize, quick: bool) -> usize {
        let base = match self {
            Workload::Trivial | Workload::Medium => (200_000 / n.max(1)).clamp(10, 20_000),
            Workload::Insert => (40_000 / n.max(1)).clamp(50, 5_000),
            Workload::Associations => 1_000,
        };
        if quick { (base / 10).max(3) } else { base }
    }
}

/// The data each case starts from, as one SQL script (same for every side).
pub(crate) fn seed_script(w: Workload, n: usize) -> String {
    let mut s = String::from(SCHEMA);
    match w {
        Workload::Trivial | Workload::Medium => {
            for i in 0..n {
                let hair = if i % 2 == 0 { "'black'" } else { "'brown'" };
                s.push_str(&format!(
                    "INSERT INTO users (id, name, hair_color) VALUES ({}, 'User {i}', {hair});\n",
                    i + 1
                ));
                if w == Workload::Medium && i % 4 == 0 {
                    s.push_str(&format!(
                        "INSERT INTO posts (user_id, title, body) VALUES ({}, 'Post by user {i}', NULL);\n",
                        i + 1
                    ));
                }
            }
        }
        Workload::Insert => {}
        Workload::Associations => {
            let (users, posts, comments) = ASSOC_SHAPE;
            let mut post_id = 0;
            for u in 1..=users {
                let hair = if u % 2 == 0 { "NULL" } else { "'black'" };
                s.push_str(&format!(
                    "INSERT INTO users (id, name, hair_color) VALUES ({u}, 'User {u}', {hair});\n"
                ));
                for p in 0..posts {
                    post_id += 1;
                    s.push_str(&format!(
                        "INSERT INTO posts (id, user_id, title, body) VALUES ({post_id}, {u}, 'Post {p} by user {u}', 'body');\n"
                    ));
                    for c in 0..comments {
                        s.push_str(&format!("INSERT INTO comments (post_id, text) VALUES ({post_id}, 'Comment {c} on post {p}');\n"));
                    }
                }
            }
        }
    }
    s
}

/// users × posts per user × comments per post, in `loading_associations`.
pub(crate) const ASSOC_SHAPE: (usize, usize, usize) = (9, 10, 10);

/// One side of the comparison: its own database, seeded per case.
pub(crate) trait Side {
    /// Drops everything and loads `script`.
    fn reset(&mut self, script: &str) -> anyhow::Result<()>;
    /// Runs `w` once at size `n`; returns a size of the result, which must
    /// agree across sides (rows loaded, rows inserted, or tree nodes).
    fn run(&mut self, w: Workload, n: usize) -> anyhow::Result<usize>;
    /// Undoes what `run` left behind (inserted rows), outside the timer.
    fn cleanup(&mut self, w: Workload) -> anyhow::Result<()>;
}

/// One workload across `ours`, `rusqlite` and `diesel`.
struct OrmComparison {
    workload: Workload,
    quick: bool,
    sides: HashMap<&'static str, Box<dyn Side>>,
    /// The case each side is seeded for.
    seeded: HashMap<&'static str, String>,
    /// The result size each case produced, to check every side did the same work.
    result_size: HashMap<String, (&'static str, usize)>,
}

fn parse_n(case: &str) -> anyhow::Result<usize> {
    let n = case.strip_prefix("n=").unwrap_or(case);
    let first = n.split('x').next().unwrap_or(n);
    Ok(first.parse()?)
}

impl Comparison for OrmComparison {
    fn crate_name(&self) -> &'static str {
        "mini-orm"
    }

    fn bench(&self) -> &'static str {
        self.workload.bench()
    }

    fn describe(&self) -> String {
        let what = match self.workload {
            Workload::Trivial => "load every row of users (N rows) into structs",
            Workload::Medium => {
                "users LEFT JOIN posts WHERE users.hair_color = 'black' into (User, Option<Post>) (N users, half black, every fourth with a post)"
            }
            Workload::Insert => {
                "insert N users in one multi-row INSERT (rows deleted after each measurement, outside the timer)"
            }
            Workload::Associations => {
                "9 users x 10 posts x 10 comments loaded with three queries (WHERE fk IN (...)) and grouped into Vec<(User, Vec<(Post, Vec<Comment>)>)>"
            }
        };
        format!(
            "{what}. SQLite in memory (bundled libsqlite3-sys, shared by all three), each impl on its own connection seeded with \
             the same script, release build. ours: mini-orm query builder (statement cache = rusqlite prepare_cached). rusqlite: \
             hand-written SQL, prepare_cached, columns read by index. diesel: the sqlite backend with table!/derives as its \
             docs show (load, left_join, insert_into(..).values(&vec), belonging_to + grouped_by). Value: mean time per operation \
             over a fixed iteration count per case (same for every impl), median over rounds."
        )
    }

    fn cases(&self, quick: bool) -> Vec<String> {
        let sizes: &[usize] = match (self.workload, quick) {
            (Workload::Trivial | Workload::Medium, false) => &[1, 10, 100, 1_000, 10_000],
            (Workload::Trivial | Workload::Medium, true) => &[1, 100, 10_000],
            (Workload::Insert, false) => &[1, 10, 25, 50, 100],
            (Workload::Insert, true) => &[1, 100],
            (Workload::Associations, _) => {
                let (u, p, c) = ASSOC_SHAPE;
                return vec![format!("n={u}x{p}x{c}")];
            }
        };
        sizes.iter().map(|n| format!("n={n}")).collect()
    }

    /// More rounds than the default: one round of a small case is a few
    /// milliseconds, and the medians of the 1-row cases need them on a
    /// shared machine.
    fn rounds(&self, quick: bool) -> usize {
        if quick { 3 } else { 9 }
    }

    fn targets(&self) -> Vec<Target> {
        vec![
            Target::at_most("rusqlite", "time", 1.1),
            Target::at_most("diesel", "time", 1.0),
        ]
    }

    fn prepare(
        &mut self,
        quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.quick = quick;
        self.sides.insert("ours", Box::new(ours::Ours::open()?));
        self.sides.insert("rusqlite", Box::new(raw::Raw::open()?));
        self.sides
            .insert("diesel", Box::new(diesel_side::DieselSide::open()?));
        prov.version("sqlite", rusqlite::version());
        prov.version("diesel", "2.3 (sqlite backend)");
        prov.version("rusqlite", "0.37");
        Ok((
            vec![
                Impl {
                    name: "ours",
                    config: "mini-orm, SQLite :memory:".into(),
                },
                Impl {
                    name: "rusqlite",
                    config: "raw rusqlite 0.37, prepare_cached, columns by index".into(),
                },
                Impl {
                    name: "diesel",
                    config: "diesel 2.3 sqlite backend".into(),
                },
            ],
            Vec::new(),
        ))
    }

    fn measure(
        &mut self,
        case: &str,
        imp: &str,
        _prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let n = parse_n(case)?;
        let w = self.workload;
        let Some((&name, side)) = self.sides.iter_mut().find(|(k, _)| **k == imp) else {
            bail!("unknown impl {imp}");
        };
        if self.seeded.get(name).map(String::as_str) != Some(case) {
            side.reset(&seed_script(w, n))?;
            self.seeded.insert(name, case.to_owned());
        }
        // One untimed run: warms the statement cache and checks the result.
        let size = side.run(w, n)?;
        side.cleanup(w)?;
        match self.result_size.get(case) {
            Some(&(other, expected)) if expected != size => {
                bail!("{case}: {imp} produced {size} results but {other} produced {expected}")
            }
            Some(_) => {}
            None => {
                self.result_size.insert(case.to_owned(), (name, size));
            }
        }
        let iters = w.iterations(n, self.quick);
        let start = Instant::now();
        for _ in 0..iters {
            std::hint::black_box(side.run(w, n)?);
        }
        let elapsed = start.elapsed();
        side.cleanup(w)?;
        Ok(vec![Sample::new(
            "time",
            elapsed.as_secs_f64() * 1e6 / iters as f64,
            "us",
        )])
    }
}

/// The mini-orm comparisons, one per workload.
pub(crate) fn comparisons() -> Vec<Box<dyn Comparison>> {
    [
        Workload::Trivial,
        Workload::Medium,
        Workload::Insert,
        Workload::Associations,
    ]
    .into_iter()
    .map(|workload| {
        Box::new(OrmComparison {
            workload,
            quick: false,
            sides: HashMap::new(),
            seeded: HashMap::new(),
            result_size: HashMap::new(),
        }) as Box<dyn Comparison>
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every side produces the same result size on every workload (small sizes).
    #[test]
    fn sides_agree() {
        let mut sides: Vec<Box<dyn Side>> = vec![
            Box::new(ours::Ours::open().unwrap()),
            Box::new(raw::Raw::open().unwrap()),
            Box::new(diesel_side::DieselSide::open().unwrap()),
        ];
        for (w, n, want) in [
            (Workload::Trivial, 10, 10),
            (Workload::Medium, 10, 5),
            (Workload::Insert, 7, 7),
            (Workload::Associations, 9, 9 + 90 + 900),
        ] {
            for s in &mut sides {
                s.reset(&seed_script(w, n)).unwrap();
                assert_eq!(s.run(w, n).unwrap(), want, "{w:?}");
                s.cleanup(w).unwrap();
            }
        }
    }

    #[test]
    fn case_names_parse() {
        assert_eq!(parse_n("n=100").unwrap(), 100);
        assert_eq!(parse_n("n=9x10x10").unwrap(), 9);
    }
}
