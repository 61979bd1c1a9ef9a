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
//!
//! The same four workloads run on MySQL/MariaDB too (case suffix ` mysql`),
//! when `MINI_ORM_MYSQL_URL` names a server (`bash .ci/mariadb.sh` starts
//! one): mini-orm against the raw `mysql` crate and Diesel's MySQL backend
//! (which links the C client library, `default-libmysqlclient-dev`), each
//! side in a database of its own on that server.

mod diesel_side;
mod ours;
mod raw;
mod raw_mysql;

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

/// The schema on MySQL: the same columns, AUTO_INCREMENT keys, foreign keys
/// as table constraints (InnoDB ignores a column's inline REFERENCES). The
/// seed drops the tables first: a server database outlives a case.
const MYSQL_SCHEMA: &str = "
    DROP TABLE IF EXISTS comments, posts, users;
    CREATE TABLE users (id BIGINT AUTO_INCREMENT PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT);
    CREATE TABLE posts (id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id BIGINT NOT NULL, title TEXT NOT NULL, body TEXT,
        FOREIGN KEY (user_id) REFERENCES users(id));
    CREATE TABLE comments (id BIGINT AUTO_INCREMENT PRIMARY KEY, post_id BIGINT NOT NULL, text TEXT NOT NULL,
        FOREIGN KEY (post_id) REFERENCES posts(id));";

/// Where a comparison runs.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Database {
    /// SQLite in memory, one per side.
    Sqlite,
    /// The MySQL/MariaDB server at this URL.
    Mysql(String),
}

/// The environment variable naming the MySQL server, as the tests use it.
const MYSQL_URL_VAR: &str = "MINI_ORM_MYSQL_URL";

/// `url` with its database replaced by `name` (each side gets its own).
fn with_database(url: &str, name: &str) -> String {
    let base = url.rsplit_once('/').map_or(url, |(base, _)| base);
    format!("{base}/{name}")
}

/// The seed on MySQL: the SQLite script's rows after MySQL's schema, in one
/// transaction (InnoDB would flush the log once per autocommitted row).
fn mysql_seed_script(w: Workload, n: usize) -> String {
    let sqlite = seed_script(w, n);
    let rows = &sqlite[SCHEMA.len()..];
    format!("{MYSQL_SCHEMA}\nBEGIN;\n{rows}\nCOMMIT;")
}

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

/// A user with their posts, each with its comments, whichever side's types.
pub(crate) type Tree<U, P, C> = (U, Vec<(P, Vec<C>)>);

/// The nodes of a loaded user → posts → comments tree: the result size
/// every side reports for `loading_associations`.
pub(crate) fn tree_size<U, P, C>(tree: Vec<Tree<U, P, C>>) -> usize {
    tree.iter()
        .map(|(_, ps)| 1 + ps.iter().map(|(_, cs)| 1 + cs.len()).sum::<usize>())
        .sum()
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

/// One workload across `ours`, `rusqlite` and `diesel` (SQLite), or
/// `ours`, `mysql` and `diesel` (MySQL).
struct OrmComparison {
    workload: Workload,
    database: Database,
    quick: bool,
    sides: HashMap<&'static str, Box<dyn Side>>,
    /// The case each side is seeded for.
    seeded: HashMap<&'static str, String>,
    /// The result size each case produced, to check every side did the same work.
    result_size: HashMap<String, (&'static str, usize)>,
}

fn parse_n(case: &str) -> anyhow::Result<usize> {
    let case = case.split(' ').next().unwrap_or(case);
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
        if let Database::Mysql(_) = self.database {
            return format!(
                "{what}. MySQL/MariaDB over TCP on 127.0.0.1 (the server MINI_ORM_MYSQL_URL names), each impl in a \
                 database of its own, seeded with the same rows, release build. ours: mini-orm's MySQL backend (the \
                 mysql crate, its statement cache). mysql: the raw mysql crate, hand-written SQL, the same statement \
                 cache size, rows read as tuples. diesel: the mysql backend (libmysqlclient), the same code as its \
                 SQLite row. Value: mean time per operation over a fixed iteration count per \
                 case, median over rounds."
            );
        }
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
                let suffix = if self.database == Database::Sqlite {
                    ""
                } else {
                    " mysql"
                };
                return vec![format!("n={u}x{p}x{c}{suffix}")];
            }
        };
        let suffix = match self.database {
            Database::Sqlite => "",
            Database::Mysql(_) => " mysql",
        };
        sizes.iter().map(|n| format!("n={n}{suffix}")).collect()
    }

    /// More rounds than the default: one round of a small case is a few
    /// milliseconds, and the medians of the 1-row cases need them on a
    /// shared machine.
    fn rounds(&self, quick: bool) -> usize {
        if quick { 3 } else { 9 }
    }

    fn targets(&self) -> Vec<Target> {
        if let Database::Mysql(_) = self.database {
            return vec![
                Target::at_most("mysql", "time", 1.1),
                Target::at_most("diesel", "time", 1.0),
            ];
        }
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
        if let Database::Mysql(url) = &self.database {
            return self.prepare_mysql(&url.clone(), prov);
        }
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
            side.reset(&match self.database {
                Database::Sqlite => seed_script(w, n),
                Database::Mysql(_) => mysql_seed_script(w, n),
            })?;
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

impl OrmComparison {
    /// The MySQL sides, or a skip naming what is missing.
    fn prepare_mysql(
        &mut self,
        url: &str,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        if url.is_empty() {
            let server = Skip {
                what: format!("a MySQL/MariaDB server ({MYSQL_URL_VAR} is not set)"),
                install: format!(
                    "apt-get install mariadb-server; export {MYSQL_URL_VAR}=\"$(bash .ci/mariadb.sh | tail -n1)\""
                ),
            };
            return Ok((Vec::new(), vec![server]));
        }
        let ours_url = with_database(url, "mini_orm_test_bench_ours");
        let raw_url = with_database(url, "mini_orm_test_bench_raw");
        let diesel_url = with_database(url, "mini_orm_test_bench_diesel");
        {
            let mut admin = mysql::Conn::new(mysql::Opts::from_url(url)?)?;
            raw_mysql::run_script(
                &mut admin,
                &[
                    "CREATE DATABASE IF NOT EXISTS mini_orm_test_bench_ours;",
                    "CREATE DATABASE IF NOT EXISTS mini_orm_test_bench_raw;",
                    "CREATE DATABASE IF NOT EXISTS mini_orm_test_bench_diesel",
                ]
                .concat(),
            )?;
            let version: Option<String> =
                mysql::prelude::Queryable::query_first(&mut admin, "SELECT VERSION()")?;
            prov.version("mysql server", version.unwrap_or_default());
        }
        self.sides
            .insert("ours", Box::new(ours::Ours::connect(&ours_url)?));
        self.sides
            .insert("mysql", Box::new(raw_mysql::RawMysql::open(&raw_url)?));
        self.sides.insert(
            "diesel",
            Box::new(diesel_side::DieselSide::connect(&diesel_url)?),
        );
        prov.version("mysql crate", "28");
        prov.version("diesel", "2.3 (mysql backend, libmysqlclient)");
        Ok((
            vec![
                Impl {
                    name: "ours",
                    config: "mini-orm, MySQL backend".into(),
                },
                Impl {
                    name: "mysql",
                    config: "raw mysql crate 28, statement cache 256, rows as tuples".into(),
                },
                Impl {
                    name: "diesel",
                    config: "diesel 2.3 mysql backend".into(),
                },
            ],
            Vec::new(),
        ))
    }
}

/// The mini-orm comparisons, one per workload and database.
pub(crate) fn comparisons() -> Vec<Box<dyn Comparison>> {
    let mysql_url = std::env::var(MYSQL_URL_VAR).unwrap_or_default();
    [Database::Sqlite, Database::Mysql(mysql_url)]
        .into_iter()
        .flat_map(|database| {
            [
                Workload::Trivial,
                Workload::Medium,
                Workload::Insert,
                Workload::Associations,
            ]
            .map(|workload| {
                Box::new(OrmComparison {
                    workload,
                    database: database.clone(),
                    quick: false,
                    sides: HashMap::new(),
                    seeded: HashMap::new(),
                    result_size: HashMap::new(),
                }) as Box<dyn Comparison>
            })
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

    /// The same on MySQL, when a server is named (skipped otherwise).
    #[test]
    fn mysql_sides_agree() {
        let Ok(url) = std::env::var(MYSQL_URL_VAR) else {
            println!("skipped: {MYSQL_URL_VAR} not set — run .ci/mariadb.sh");
            return;
        };
        let mut cmp = OrmComparison {
            workload: Workload::Trivial,
            database: Database::Mysql(url.clone()),
            quick: true,
            sides: HashMap::new(),
            seeded: HashMap::new(),
            result_size: HashMap::new(),
        };
        let mut prov = Provenance::default();
        let (impls, _) = cmp.prepare(true, &mut prov).unwrap();
        assert_eq!(impls.len(), 3);
        for (w, n, want) in [
            (Workload::Trivial, 10, 10),
            (Workload::Medium, 10, 5),
            (Workload::Insert, 7, 7),
            (Workload::Associations, 9, 9 + 90 + 900),
        ] {
            for s in cmp.sides.values_mut() {
                s.reset(&mysql_seed_script(w, n)).unwrap();
                assert_eq!(s.run(w, n).unwrap(), want, "{w:?}");
                s.cleanup(w).unwrap();
            }
        }
    }

    #[test]
    fn case_names_parse() {
        assert_eq!(parse_n("n=100 mysql").unwrap(), 100);
        assert_eq!(parse_n("n=100").unwrap(), 100);
        assert_eq!(parse_n("n=9x10x10").unwrap(), 9);
    }
}
