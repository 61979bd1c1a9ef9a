//! Transactions (commit, rollback on error and on panic, savepoints) and
//! hooks (ordering, a failing hook aborting its operation).

mod common;

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use common::*;
use mini_orm::{Db, Error, Hooks, Model};

fn commit_on_ok_rollback_on_err(db: &Db) {
    db.transaction(|db| db.insert(&mut user("kept", 1, None)))
        .unwrap();
    let r: Result<(), Error> = db.transaction(|db| {
        db.insert(&mut user("dropped", 1, None))?;
        Err(Error::hook("test", "no"))
    });
    assert!(r.is_err());
    let all = User::query().all(db).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].name, "kept");
    assert!(!db.in_transaction());
}

fn rollback_on_panic_and_handle_stays_usable(db: &Db) {
    let r = catch_unwind(AssertUnwindSafe(|| {
        let _: Result<(), Error> = db.transaction(|db| {
            db.insert(&mut user("ghost", 1, None))?;
            panic!("boom");
        });
    }));
    assert!(r.is_err());
    assert!(!db.in_transaction());
    assert_eq!(User::query().count(db).unwrap(), 0);
    db.transaction(|db| db.insert(&mut user("after", 1, None)))
        .unwrap();
    assert_eq!(User::query().count(db).unwrap(), 1);
}

fn nested_failure_undoes_only_the_savepoint(db: &Db) {
    db.transaction(|db| {
        db.insert(&mut user("outer", 1, None))?;
        let inner: Result<(), Error> = db.transaction(|db| {
            db.insert(&mut user("inner", 1, None))?;
            Err(Error::hook("test", "inner fails"))
        });
        assert!(inner.is_err());
        db.transaction(|db| db.insert(&mut user("inner-ok", 1, None)))?;
        Ok::<_, Error>(())
    })
    .unwrap();
    let mut names: Vec<String> = User::query()
        .all(db)
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    names.sort();
    assert_eq!(names, ["inner-ok", "outer"]);
}

fn outer_failure_undoes_committed_savepoints(db: &Db) {
    let r: Result<(), Error> = db.transaction(|db| {
        db.transaction(|db| db.insert(&mut user("inner", 1, None)))?;
        Err(Error::hook("test", "outer fails"))
    });
    assert!(r.is_err());
    assert_eq!(User::query().count(db).unwrap(), 0);
}

fn anyhow_errors_work_in_closures(db: &Db) {
    let r: anyhow::Result<()> = db.transaction(|db| {
        db.insert(&mut user("x", 1, None))?;
        anyhow::bail!("application error")
    });
    assert!(r.is_err());
    assert_eq!(User::query().count(db).unwrap(), 0);
}

thread_local! {
    static LOG: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn log(s: String) {
    LOG.with(|l| l.borrow_mut().push(s));
}

fn take_log() -> Vec<String> {
    LOG.with(|l| std::mem::take(&mut *l.borrow_mut()))
}

#[derive(Model, Debug, PartialEq)]
#[orm(hooks)]
struct Audited {
    id: i64,
    name: String,
}

impl Hooks for Audited {
    fn before_insert(&mut self, _db: &Db) -> mini_orm::Result<()> {
        log(format!("before_insert {} id={}", self.name, self.id));
        if self.name == "refuse-before" {
            return Err(Error::hook("before_insert", "refused"));
        }
        self.name = self.name.trim().to_owned();
        Ok(())
    }
    fn after_insert(&mut self, db: &Db) -> mini_orm::Result<()> {
        log(format!(
            "after_insert {} id={} in_tx={}",
            self.name,
            self.id,
            db.in_transaction()
        ));
        if self.name == "refuse-after" {
            return Err(Error::hook("after_insert", "refused"));
        }
        Ok(())
    }
    fn before_update(&mut self, _db: &Db) -> mini_orm::Result<()> {
        log(format!("before_update {}", self.name));
        Ok(())
    }
    fn after_update(&mut self, _db: &Db) -> mini_orm::Result<()> {
        log(format!("after_update {}", self.name));
        Ok(())
    }
    fn before_delete(&self, _db: &Db) -> mini_orm::Result<()> {
        log(format!("before_delete {}", self.name));
        Ok(())
    }
    fn after_delete(&self, _db: &Db) -> mini_orm::Result<()> {
        log(format!("after_delete {}", self.name));
        if self.name == "undeletable" {
            return Err(Error::hook("after_delete", "refused"));
        }
        Ok(())
    }
    fn after_find(&mut self, _db: &Db) -> mini_orm::Result<()> {
        log(format!("after_find {}", self.name));
        Ok(())
    }
}

fn hooks_run_in_order_around_each_operation(db: &Db) {
    db.create_table::<Audited>().unwrap();
    take_log();
    let mut a = Audited {
        id: 0,
        name: "  ada ".into(),
    };
    db.insert(&mut a).unwrap();
    a.name = "ada2".into();
    db.update(&mut a).unwrap();
    let found = db.find::<Audited>(a.id).unwrap();
    assert_eq!(found.name, "ada2");
    db.delete(&a).unwrap();
    assert_eq!(
        take_log(),
        [
            "before_insert   ada  id=0",
            "after_insert ada id=1 in_tx=true",
            "before_update ada2",
            "after_update ada2",
            "after_find ada2",
            "before_delete ada2",
            "after_delete ada2",
        ]
    );
}

fn a_failing_hook_aborts_the_operation(db: &Db) {
    db.create_table::<Audited>().unwrap();
    let err = db
        .insert(&mut Audited {
            id: 0,
            name: "refuse-before".into(),
        })
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Hook {
            hook: "before_insert",
            ..
        }
    ));
    let err = db
        .insert(&mut Audited {
            id: 0,
            name: "refuse-after".into(),
        })
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Hook {
            hook: "after_insert",
            ..
        }
    ));
    assert_eq!(
        Audited::query().count(db).unwrap(),
        0,
        "after_insert failure rolled the row back"
    );
    let mut u = Audited {
        id: 0,
        name: "undeletable".into(),
    };
    db.insert(&mut u).unwrap();
    assert!(db.delete(&u).is_err());
    assert_eq!(
        Audited::query().count(db).unwrap(),
        1,
        "after_delete failure restored the row"
    );
}

fn a_hook_error_inside_a_transaction_aborts_it(db: &Db) {
    db.create_table::<Audited>().unwrap();
    let r = db.transaction(|db| {
        db.insert(&mut Audited {
            id: 0,
            name: "fine".into(),
        })?;
        db.insert(&mut Audited {
            id: 0,
            name: "refuse-after".into(),
        })
    });
    assert!(r.is_err());
    assert_eq!(Audited::query().count(db).unwrap(), 0);
}

common::backend_tests!(blog: commit_on_ok_rollback_on_err, rollback_on_panic_and_handle_stays_usable, nested_failure_undoes_only_the_savepoint, outer_failure_undoes_committed_savepoints, anyhow_errors_work_in_closures, hooks_run_in_order_around_each_operation, a_failing_hook_aborts_the_operation, a_hook_error_inside_a_transaction_aborts_it);
