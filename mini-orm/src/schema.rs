//! Tables from models: CREATE/DROP TABLE, indexes, existence, and
//! GeeORM-style auto-migrate (`session/table.go` + `geeorm.go`'s `Migrate`):
//! compare the model's columns with the table's and add what is missing;
//! drop what was removed by rebuilding the table, SQLite's documented way
//! (its `ALTER TABLE` cannot drop a column that is indexed or constrained),
//! or in place where the database can (PostgreSQL, MySQL).
//! `dry_run` returns the SQL without running it.

use crate::db::Db;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::model::{ColumnDef, Model};
use crate::value::Value;

/// One column's definition in CREATE TABLE / ADD COLUMN.
pub fn column_sql(d: &dyn Dialect, c: &ColumnDef) -> String {
    column_def(d, c, false)
}

/// `column_sql`, leaving out `PRIMARY KEY` for a column of a `composite` key.
fn column_def(d: &dyn Dialect, c: &ColumnDef, composite: bool) -> String {
    let mut s = String::new();
    d.quote(c.name, &mut s);
    s.push(' ');
    if c.primary_key && c.auto_increment {
        s.push_str(d.auto_increment_pk());
        return s;
    }
    s.push_str(if c.primary_key || c.unique || c.index {
        d.key_type_name(c.sql_type)
    } else {
        d.type_name(c.sql_type)
    });
    // A composite key is a table constraint (see `create_table_named`).
    if c.primary_key && !composite {
        s.push_str(" PRIMARY KEY");
    }
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    if c.unique && !c.primary_key {
        s.push_str(" UNIQUE");
    }
    if let Some(def) = c.default {
        s.push_str(" DEFAULT ");
        s.push_str(def);
    }
    s
}

/// `CREATE TABLE "t" (...)` for `table` with `M`'s columns.
fn create_table_named<M: Model>(d: &dyn Dialect, table: &str) -> String {
    let mut sql = String::from("CREATE TABLE ");
    d.quote(table, &mut sql);
    sql.push_str(" (");
    let composite = M::KEY_COLUMNS.len() > 1;
    for (i, c) in M::COLUMNS.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&column_def(d, c, composite));
    }
    if composite {
        sql.push_str(", PRIMARY KEY (");
        for (i, &k) in M::KEY_COLUMNS.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            d.quote(M::COLUMNS[k].name, &mut sql);
        }
        sql.push(')');
    }
    sql.push(')');
    sql
}

/// The CREATE TABLE statement followed by one CREATE INDEX per
/// `#[orm(index)]` column (index named `idx_<table>_<column>`).
pub fn create_table_sql<M: Model>(d: &dyn Dialect) -> Vec<String> {
    let mut out = vec![create_table_named::<M>(d, M::TABLE)];
    out.extend(index_sql::<M>(d));
    out
}

fn index_sql<M: Model>(d: &dyn Dialect) -> Vec<String> {
    M::COLUMNS
        .iter()
        .filter(|c| c.index)
        .map(|c| {
            let mut sql = String::from("CREATE INDEX ");
            d.quote(&format!("idx_{}_{}", M::TABLE, c.name), &mut sql);
            sql.push_str(" ON ");
            d.quote(M::TABLE, &mut sql);
            sql.push_str(" (");
            d.quote(c.name, &mut sql);
            sql.push(')');
            sql
        })
        .collect()
}

/// `DROP TABLE IF EXISTS "t"`.
pub fn drop_table_sql<M: Model>(d: &dyn Dialect) -> String {
    let mut sql = String::from("DROP TABLE IF EXISTS ");
    d.quote(M::TABLE, &mut sql);
    sql
}

impl Db {
    /// Creates `M`'s table and indexes.
    pub fn create_table<M: Model>(&self) -> Result<()> {
        for sql in create_table_sql::<M>(self.dialect()) {
            self.execute_batch(&sql)?;
        }
        Ok(())
    }

    /// Drops `M`'s table if it exists.
    pub fn drop_table<M: Model>(&self) -> Result<()> {
        self.execute_batch(&drop_table_sql::<M>(self.dialect()))?;
        Ok(())
    }

    /// Whether a table named `table` exists.
    pub fn table_exists(&self, table: &str) -> Result<bool> {
        let found: Option<i64> =
            self.load_one(self.dialect().table_exists_sql(), &[Value::from(table)])?;
        Ok(found.is_some())
    }

    /// The column names of `table`, in order.
    pub fn table_columns(&self, table: &str) -> Result<Vec<String>> {
        self.load(self.dialect().table_columns_sql(), &[Value::from(table)])
    }

    /// Brings `M`'s table in line with the model: creates it if missing,
    /// adds missing columns (`ALTER TABLE ADD COLUMN`), and, when the table
    /// has columns the model lacks, rebuilds it (create new, copy the
    /// common columns, drop old, rename). Returns the statements; with
    /// `dry_run` they are only returned, otherwise they run in one
    /// transaction.
    pub fn auto_migrate<M: Model>(&self, dry_run: bool) -> Result<Vec<String>> {
        let d = self.dialect();
        if !self.table_exists(M::TABLE)? {
            let plan = create_table_sql::<M>(d);
            return self.run_plan(plan, dry_run, false);
        }
        let existing = self.table_columns(M::TABLE)?;
        let removed: Vec<&String> = existing
            .iter()
            .filter(|e| !M::COLUMNS.iter().any(|c| c.name == e.as_str()))
            .collect();
        let added: Vec<&ColumnDef> = M::COLUMNS
            .iter()
            .filter(|c| !existing.iter().any(|e| e == c.name))
            .collect();
        let mut plan = Vec::new();
        if removed.is_empty() || d.drops_columns_in_place() {
            for r in removed {
                let mut sql = String::from("ALTER TABLE ");
                d.quote(M::TABLE, &mut sql);
                sql.push_str(" DROP COLUMN ");
                d.quote(r, &mut sql);
                plan.push(sql);
            }
            for c in added {
                let mut sql = String::from("ALTER TABLE ");
                d.quote(M::TABLE, &mut sql);
                sql.push_str(" ADD COLUMN ");
                sql.push_str(&column_sql(d, c));
                plan.push(sql);
            }
            return self.run_plan(plan, dry_run, false);
        }
        let tmp = format!("{}__mini_orm_new", M::TABLE);
        plan.push(create_table_named::<M>(d, &tmp));
        let mut common = String::new();
        for c in M::COLUMNS
            .iter()
            .filter(|c| existing.iter().any(|e| e == c.name))
        {
            if !common.is_empty() {
                common.push_str(", ");
            }
            d.quote(c.name, &mut common);
        }
        let (mut copy, mut drop, mut rename) = (
            String::from("INSERT INTO "),
            String::from("DROP TABLE "),
            String::from("ALTER TABLE "),
        );
        d.quote(&tmp, &mut copy);
        copy.push_str(&format!(" ({common}) SELECT {common} FROM "));
        d.quote(M::TABLE, &mut copy);
        d.quote(M::TABLE, &mut drop);
        d.quote(&tmp, &mut rename);
        rename.push_str(" RENAME TO ");
        d.quote(M::TABLE, &mut rename);
        plan.extend([copy, drop, rename]);
        plan.extend(index_sql::<M>(d));
        self.run_plan(plan, dry_run, true)
    }

    fn run_plan(&self, plan: Vec<String>, dry_run: bool, rebuild: bool) -> Result<Vec<String>> {
        if dry_run || plan.is_empty() {
            return Ok(plan);
        }
        if !self.dialect().transactional_ddl() {
            // MySQL commits each DDL statement on its own; a transaction
            // around them would only pretend. Each ALTER/CREATE is atomic,
            // and the plan is recomputed from the table on the next call,
            // so a failure halfway leaves a table that auto-migrate finishes.
            for sql in &plan {
                self.execute_batch(sql)?;
            }
            return Ok(plan);
        }
        // SQLite's rebuild recipe turns foreign-key enforcement off around
        // the swap (the pragma is a no-op inside a transaction, so it is set
        // outside) and checks the result before committing.
        let rebuild = rebuild && self.is_sqlite();
        if rebuild && !self.in_transaction() {
            self.execute_batch("PRAGMA foreign_keys = OFF")?;
        }
        let result = self.transaction(|db| {
            for sql in &plan {
                db.execute_batch(sql)?;
            }
            if rebuild {
                let broken: Vec<(String,)> =
                    db.load::<(String,), Value>("PRAGMA foreign_key_check", &[])?;
                if let Some((table,)) = broken.first() {
                    return Err(crate::Error::ForeignKeyViolation {
                        message: format!("table rebuild left dangling references in {table}"),
                    });
                }
            }
            Ok(())
        });
        if rebuild && !self.in_transaction() {
            self.execute_batch("PRAGMA foreign_keys = ON")?;
        }
        result.map(|()| plan)
    }
}
