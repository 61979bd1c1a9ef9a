//! Models shared by the integration tests: a small blog schema.
#![allow(dead_code, unused_macros, unused_imports)]

use std::sync::Arc;

use mini_orm::{Db, Model, Pool};

#[derive(Model, Debug, Clone, PartialEq)]
pub(crate) struct User {
    pub(crate) id: i64,
    #[orm(unique)]
    pub(crate) name: String,
    #[orm(default = "0")]
    pub(crate) age: i64,
    #[orm(column = "hair")]
    pub(crate) hair_color: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(belongs_to(User, foreign_key = "user_id"))]
pub(crate) struct Post {
    pub(crate) id: i64,
    #[orm(index)]
    pub(crate) user_id: i64,
    pub(crate) title: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(belongs_to(Post, foreign_key = "post_id"))]
pub(crate) struct Comment {
    pub(crate) id: i64,
    pub(crate) post_id: i64,
    pub(crate) text: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub(crate) struct Tag {
    pub(crate) id: i64,
    pub(crate) label: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(
    table = "post_tags",
    belongs_to(Post, foreign_key = "post_id"),
    belongs_to(Tag, foreign_key = "tag_id")
)]
pub(crate) struct PostTag {
    pub(crate) id: i64,
    pub(crate) post_id: i64,
    pub(crate) tag_id: i64,
}

/// A user's role in a group: a composite key; `group` is an SQL keyword,
/// quoted like any name.
#[derive(Model, Debug, Clone, PartialEq)]
pub(crate) struct Membership {
    #[orm(primary_key)]
    pub(crate) user_id: i64,
    #[orm(primary_key)]
    pub(crate) group: String,
    pub(crate) role: String,
}

pub(crate) fn user(name: &str, age: i64, hair: Option<&str>) -> User {
    User {
        id: 0,
        name: name.into(),
        age,
        hair_color: hair.map(str::to_owned),
    }
}

/// A database for one test: SQLite in memory, a fresh schema on the
/// PostgreSQL server named by `MINI_ORM_PG_URL`, or a fresh database on the
/// MySQL/MariaDB server named by `MINI_ORM_MYSQL_URL` (each dropped
/// afterwards), so tests running in parallel never see each other's tables.
pub(crate) struct TestDb {
    db: Db,
    /// The statement that drops the schema/database at the end.
    cleanup: Option<String>,
    /// Opens another connection to the same database (for pools and
    /// tests that need two sessions); `None` for in-memory SQLite.
    reopen: Option<Reopen>,
}

/// Opens a connection to a test's database.
type Reopen = Arc<dyn Fn() -> mini_orm::Result<Db> + Send + Sync>;

impl TestDb {
    /// A pool of at most `max` connections to this test's database.
    pub(crate) fn pool(&self, max: usize) -> Option<Pool> {
        let reopen = self.reopen.clone()?;
        Some(Pool::with_connector("test database", max, move || reopen()))
    }

    /// Another connection to this test's database.
    pub(crate) fn reopen(&self) -> Option<Db> {
        self.reopen
            .as_ref()
            .map(|r| r().expect("reopen the test database"))
    }
}

impl std::ops::Deref for TestDb {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(sql) = &self.cleanup {
            let _ = self.db.execute_batch(sql);
        }
    }
}

pub(crate) fn sqlite_empty() -> TestDb {
    TestDb {
        db: Db::open_in_memory().expect("open"),
        cleanup: None,
        reopen: None,
    }
}

/// A name no other test (in this or a parallel process) uses.
fn unique_name() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "mini_orm_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The URL in `var`, or `None` after printing why the test is skipped
/// (CI sets both, see `.ci/postgres.sh` and `.ci/mariadb.sh`).
fn server_url(var: &str, script: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) => Some(url),
        Err(_) => {
            println!(
                "skipped: {var} not set — start a server with `bash .ci/{script}` and export its last line as {var}"
            );
            None
        }
    }
}

#[cfg(not(feature = "postgres"))]
pub(crate) fn pg_empty() -> Option<TestDb> {
    println!("skipped: mini-orm built without the `postgres` feature");
    None
}

/// A fresh schema on `MINI_ORM_PG_URL`, or `None` when it is not set.
#[cfg(feature = "postgres")]
pub(crate) fn pg_empty() -> Option<TestDb> {
    let url = server_url("MINI_ORM_PG_URL", "postgres.sh")?;
    let db = Db::connect_postgres(&url).expect("connect to MINI_ORM_PG_URL");
    let schema = unique_name();
    db.execute_batch(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; SET search_path TO {schema}"))
        .expect("test schema");
    let search_path = format!("SET search_path TO {schema}");
    let reopen: Reopen = Arc::new(move || {
        let db = Db::connect_postgres(&url)?;
        db.execute_batch(&search_path)?;
        Ok(db)
    });
    Some(TestDb {
        db,
        cleanup: Some(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")),
        reopen: Some(reopen),
    })
}

#[cfg(not(feature = "mysql"))]
pub(crate) fn mysql_empty() -> Option<TestDb> {
    println!("skipped: mini-orm built without the `mysql` feature");
    None
}

/// A fresh database on `MINI_ORM_MYSQL_URL`'s server, or `None` when it is
/// not set. MySQL has no schemas inside a database, so each test gets a
/// database of its own (the CI user may create `mini_orm_test%`).
#[cfg(feature = "mysql")]
pub(crate) fn mysql_empty() -> Option<TestDb> {
    let url = server_url("MINI_ORM_MYSQL_URL", "mariadb.sh")?;
    let name = unique_name();
    let admin = Db::connect_mysql(&url).expect("connect to MINI_ORM_MYSQL_URL");
    admin
        .execute_batch(&format!(
            "DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name}"
        ))
        .expect("test database");
    drop(admin);
    // The same server and account, the new database as the URL's path.
    let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base);
    let url = format!("{base}/{name}");
    let db = Db::connect_mysql(&url).expect("connect to the test database");
    Some(TestDb {
        db,
        cleanup: Some(format!("DROP DATABASE IF EXISTS {name}")),
        reopen: Some(Arc::new(move || Db::connect(&url))),
    })
}

/// Creates the blog tables. Posts and comments get foreign keys through raw
/// SQL (the derive has no references attribute), as table constraints:
/// MySQL parses a column's inline `REFERENCES` and ignores it.
pub(crate) fn blog_schema(db: &Db) {
    db.create_table::<User>().expect("users");
    let key = db.dialect().auto_increment_pk();
    db.execute_batch(&format!(
        "CREATE TABLE posts (id {key}, user_id BIGINT NOT NULL, title TEXT NOT NULL, FOREIGN KEY (user_id) REFERENCES users(id));
         CREATE TABLE comments (id {key}, post_id BIGINT NOT NULL, text TEXT NOT NULL, FOREIGN KEY (post_id) REFERENCES posts(id));"
    ))
    .expect("posts/comments");
    db.create_table::<Tag>().expect("tags");
    db.create_table::<PostTag>().expect("post_tags");
}

pub(crate) fn blog_db() -> TestDb {
    let db = sqlite_empty();
    blog_schema(&db);
    db
}

pub(crate) fn pg_blog_db() -> Option<TestDb> {
    let db = pg_empty()?;
    blog_schema(&db);
    Some(db)
}

pub(crate) fn mysql_blog_db() -> Option<TestDb> {
    let db = mysql_empty()?;
    blog_schema(&db);
    Some(db)
}

/// Raw SQL written with `?` placeholders, rewritten to `db`'s dialect.
pub(crate) fn sql(db: &Db, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut n = 0;
    for ch in text.chars() {
        if ch == '?' {
            n += 1;
            db.dialect().placeholder(n, &mut out);
        } else {
            out.push(ch);
        }
    }
    out
}

/// Runs each named `fn(&Db)` on every backend: SQLite (`sqlite::name`),
/// PostgreSQL (`postgres::name`) and MySQL/MariaDB (`mysql::name`), the
/// last two skipped with a printed reason without their URL variable.
/// `blog` gives each a database with the blog tables, `empty` an empty one.
macro_rules! backend_tests {
    ($setup:ident: $($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name(&crate::common::backend_tests!(@sqlite $setup));
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                if let Some(db) = crate::common::backend_tests!(@pg $setup) {
                    super::$name(&db);
                }
            })*
        }
        mod mysql {
            $(#[test]
            fn $name() {
                if let Some(db) = crate::common::backend_tests!(@mysql $setup) {
                    super::$name(&db);
                }
            })*
        }
    };
    (@sqlite blog) => { crate::common::blog_db() };
    (@sqlite empty) => { crate::common::sqlite_empty() };
    (@pg blog) => { crate::common::pg_blog_db() };
    (@pg empty) => { crate::common::pg_empty() };
    (@mysql blog) => { crate::common::mysql_blog_db() };
    (@mysql empty) => { crate::common::mysql_empty() };
}
pub(crate) use backend_tests;
