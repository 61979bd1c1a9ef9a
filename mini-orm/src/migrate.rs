//! Versioned migrations: an ordered list of SQL scripts, each applied once,
//! in its own transaction together with the row that records it in
//! `_mini_orm_migrations` — so a failing script leaves neither half-applied
//! schema nor a record. Diesel's `embed_migrations!`/`run_pending_migrations`
//! and SeaORM's `Migrator` work the same way, with files instead of a slice.

use crate::db::Db;
use crate::error::{Error, Result};
use crate::value::Value;

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
        db.execute_batch(&format!(
            "CREATE TABLE IF NOT EXISTS \"{MIGRATIONS_TABLE}\" (version BIGINT PRIMARY KEY, name TEXT NOT NULL, \
             applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        ))
    }

    /// The versions recorded as applied, ascending, checked against the
    /// list: a recorded version missing from it, or with another name, is an
    /// error (the database is ahead of, or diverged from, the code).
    pub fn applied(&self, db: &Db) -> Result<Vec<i64>> {
        Self::ensure_table(db)?;
        let rows: Vec<(i64, String)> = db.query_as(
            &format!("SELECT version, name FROM \"{MIGRATIONS_TABLE}\" ORDER BY version"),
            &[],
        )?;
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
        let mut done = Vec::new();
        for m in self
            .migrations
            .iter()
            .filter(|m| m.version <= target && !applied.contains(&m.version))
        {
            tracing::info!(version = m.version, name = m.name, "applying migration");
            db.transaction(|db| {
                db.execute_batch(m.up)?;
                let (mut a, mut b) = (String::new(), String::new());
                db.dialect().placeholder(1, &mut a);
                db.dialect().placeholder(2, &mut b);
                db.execute(
                    &format!(
                        "INSERT INTO \"{MIGRATIONS_TABLE}\" (version, name) VALUES ({a}, {b})"
                    ),
                    &[Value::Integer(m.version), Value::from(m.name)],
                )
            })
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
}
