//! Versioned migrations: an ordered list of SQL scripts, each applied once,
//! in its own transaction together with the row that records it in
//! `_mini_orm_migrations` — so a failing script leaves neither half-applied
//! schema nor a record. Diesel's `embed_migrations!`/`run_pending_migrations`
//! and SeaORM's `Migrator` work the same way, with files instead of a slice.
//!
//! # MySQL: DDL commits implicitly
//!
//! MySQL and MariaDB commit before and after every DDL statement, inside a
//! transaction or not, so "script and record in one transaction" does not
//! hold there. The migrator keeps each version all-or-nothing anyway:
//!
//! - a version is **either one DDL statement, or only non-DDL statements**
//!   (data changes, which do roll back). A script with a DDL statement and
//!   anything else is refused before any of it runs, naming the rule
//!   (split it into one version per DDL statement);
//! - a DDL version runs its one statement, then writes its record row.
//!   The statement itself is atomic (InnoDB's atomic DDL: it happens whole
//!   or not at all), so a failure leaves no trace and no record;
//! - the one gap left is a crash between the statement and its record:
//!   the schema changed but the version is unrecorded, and the next run
//!   repeats the statement. Writing DDL migrations with `IF NOT EXISTS` /
//!   `IF EXISTS` (which MariaDB takes on CREATE TABLE/INDEX, ADD/DROP
//!   COLUMN and DROP TABLE) makes that repeat a no-op.
//!
//! # Layout
//!
//! - `mod.rs`: [`Migration`], [`Migrator`], the history table.
//! - `script.rs`: splitting a script into statements, spotting DDL.

use crate::db::Db;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::value::Value;

mod script;

/// The table recording applied migrations.
pub const MIGRATIONS_TABLE: &str = "_mini_orm_migrations";

/// One schema change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Migration {
    /// Ordering key; strictly increasing along the list.
    pub version: i64,
    /// A short name, checked against the record so a renumbered list is caught.
    pub name: &'static str,
    /// The SQL script (may hold several `;`-separated statements).
    pub up: &'static str,
}

/// Applies a list of [`Migration`]s.
#[derive(Clone, Copy, Debug)]
pub struct Migrator<'a> {
    migrations: &'a [Migration],
}

impl<'a> Migrator<'a> {
    /// A migrator over `migrations`, which must be in strictly increasing
    /// version order.
    pub fn new(migrations: &'a [Migration]) -> Result<Migrator<'a>> {
        for pair in migrations.windows(2) {
            if pair[1].version <= pair[0].version {
                return Err(Error::Migration {
                    version: pair[1].version,
                    reason: format!(
                        "listed after version {}; versions must increase",
                        pair[0].version
                    ),
                });
            }
        }
        Ok(Migrator { migrations })
    }

    fn ensure_table(db: &Db) -> Result<()> {
        let d = db.dialect();
        let mut sql = String::from("CREATE TABLE IF NOT EXISTS ");
        d.quote(MIGRATIONS_TABLE, &mut sql);
        sql.push_str(" (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at ");
        sql.push_str(d.applied_at_column());
        sql.push(')');
        db.execute_batch(&sql)
    }

    /// `INSERT INTO _mini_orm_migrations (version, name) VALUES (?, ?)`.
    fn record_sql(d: &dyn Dialect) -> String {
        let mut sql = String::from("INSERT INTO ");
        d.quote(MIGRATIONS_TABLE, &mut sql);
        sql.push_str(" (version, name) VALUES (");
        d.placeholder(1, &mut sql);
        sql.push_str(", ");
        d.placeholder(2, &mut sql);
        sql.push(')');
        sql
    }

    /// The versions recorded as applied, ascending, checked against the
    /// list: a recorded version missing from it, or with another name, is an
    /// error (the database is ahead of, or diverged from, the code).
    pub fn applied(&self, db: &Db) -> Result<Vec<i64>> {
        Self::ensure_table(db)?;
        let mut sql = String::from("SELECT version, name FROM ");
        db.dialect().quote(MIGRATIONS_TABLE, &mut sql);
        sql.push_str(" ORDER BY version");
        let rows: Vec<(i64, String)> = db.query_as(&sql, &[])?;
        for (version, name) in &rows {
            match self.migrations.iter().find(|m| m.version == *version) {
                Some(m) if m.name == name => {}
                Some(m) => {
                    return Err(Error::Migration {
                        version: *version,
                        reason: format!("recorded as {name:?} but the code names it {:?}", m.name),
                    });
                }
                None => {
                    return Err(Error::Migration {
                        version: *version,
                        reason: format!(
                            "recorded as applied ({name:?}) but unknown to this program"
                        ),
                    });
                }
            }
        }
        Ok(rows.into_iter().map(|(v, _)| v).collect())
    }

    /// Applies every pending migration; returns the versions applied.
    pub fn run(&self, db: &Db) -> Result<Vec<i64>> {
        self.run_to(db, i64::MAX)
    }

    /// Applies pending migrations up to and including `target`.
    pub fn run_to(&self, db: &Db, target: i64) -> Result<Vec<i64>> {
        let applied = self.applied(db)?;
        let d = db.dialect();
        // Every pending script is checked before the first one runs, so a
        // refused one leaves the database as it was.
        let pending = self
            .migrations
            .iter()
            .filter(|m| m.version <= target && !applied.contains(&m.version))
            .map(|m| Ok((m, Self::check_script(d, m)?)))
            .collect::<Result<Vec<_>>>()?;
        let record = Self::record_sql(d);
        let mut done = Vec::new();
        for (m, ddl_alone) in pending {
            tracing::info!(version = m.version, name = m.name, "applying migration");
            let params = [Value::Integer(m.version), Value::from(m.name)];
            if ddl_alone {
                // One implicitly committed statement, then its record (see
                // the module doc for why this is safe).
                db.execute_batch(m.up)
                    .and_then(|()| db.execute(&record, &params))
            } else {
                db.transaction(|db| {
                    db.execute_batch(m.up)?;
                    db.execute(&record, &params)
                })
            }
            .map_err(|e| match e {
                Error::Migration { .. } => e,
                other => Error::Migration {
                    version: m.version,
                    reason: other.to_string(),
                },
            })?;
            done.push(m.version);
        }
        Ok(done)
    }

    // ANCHOR: ddl_rule
    /// On a dialect whose DDL commits implicitly: `Ok(true)` when `m` is
    /// one DDL statement (run it outside a transaction), an error when it
    /// mixes DDL with anything else. `Ok(false)`: run it in a transaction.
    fn check_script(d: &dyn Dialect, m: &Migration) -> Result<bool> {
        if d.transactional_ddl() {
            return Ok(false);
        }
        let statements = script::statements(m.up);
        let ddl = statements.iter().filter(|s| script::is_ddl(s)).count();
        match (ddl, statements.len()) {
            (0, _) => Ok(false),
            (1, 1) => Ok(true),
            _ => Err(Error::Migration {
                version: m.version,
                reason: format!(
                    "{} statements, {ddl} of them DDL: {} commits each DDL statement \
                     implicitly, so a failure halfway could not be undone; give each DDL \
                     statement its own version",
                    statements.len(),
                    d.name()
                ),
            }),
        }
    }
    // ANCHOR_END: ddl_rule
}
