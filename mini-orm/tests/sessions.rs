//! What only a database server can do to a connection, on PostgreSQL and
//! MySQL/MariaDB: pick a transaction as a deadlock victim (a typed error
//! the caller can retry on), and kill a connection mid-transaction (an
//! error, and the pool replaces the connection). Each test skips with a
//! printed reason when its server's URL is not set.

mod common;

use std::sync::Barrier;

use common::*;
use mini_orm::{Db, Error, Model};

#[derive(Model, Debug, Clone, PartialEq)]
struct Account {
    id: i64,
    balance: i64,
}

fn add(db: &Db, id: i64, amount: i64) -> mini_orm::Result<usize> {
    Account::query()
        .filter(Account::ID.eq(id))
        .update(db, &[Account::BALANCE.set(amount)])
}

/// Two transfers locking two rows in opposite orders: the database breaks
/// the cycle by rolling one back with [`Error::Deadlock`]; the other
/// commits. No sleeps: each waits on the other's lock until the server's
/// deadlock detector (immediate on InnoDB, `deadlock_timeout` = 1 s on
/// PostgreSQL) decides.
fn deadlock_is_its_own_error(t: &TestDb) {
    t.create_table::<Account>().unwrap();
    t.insert_many(&mut [Account { id: 1, balance: 0 }, Account { id: 2, balance: 0 }])
        .unwrap();
    let barrier = Barrier::new(2);
    let results: Vec<mini_orm::Result<()>> = std::thread::scope(|s| {
        let handles: Vec<_> = [(1, 2), (2, 1)]
            .into_iter()
            .map(|(first, second)| {
                let db = t.reopen().expect("a second session");
                let barrier = &barrier;
                s.spawn(move || {
                    db.transaction(|db| {
                        add(db, first, 10)?;
                        barrier.wait();
                        add(db, second, 10)?;
                        Ok(())
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no panic"))
            .collect()
    });
    let deadlocks = results
        .iter()
        .filter(|r| matches!(r, Err(Error::Deadlock { .. })))
        .count();
    assert_eq!(deadlocks, 1, "{results:?}");
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
}

/// The server-side id of `db`'s session, and the statement that ends it.
fn kill_statement(db: &Db) -> String {
    if db.dialect().name() == "mysql" {
        let id: Vec<(i64,)> = db.query_as("SELECT CONNECTION_ID()", &[]).unwrap();
        format!("KILL {}", id[0].0)
    } else {
        let id: Vec<(i64,)> = db.query_as("SELECT pg_backend_pid()", &[]).unwrap();
        format!("SELECT pg_terminate_backend({})", id[0].0)
    }
}

fn a_killed_connection_is_an_error_and_the_pool_replaces_it(t: &TestDb) {
    t.create_table::<Account>().unwrap();
    let pool = t.pool(2).expect("a server database");
    let killer = pool.get().unwrap();
    {
        let db = pool.get().unwrap();
        let kill = kill_statement(&db);
        let r = db.transaction(|db| {
            db.insert(&mut Account { id: 1, balance: 5 })?;
            killer.execute_batch(&kill)?;
            db.insert(&mut Account { id: 2, balance: 5 })
        });
        assert!(r.is_err(), "a statement on a killed connection fails");
        assert!(!db.in_transaction(), "the handle ended its transaction");
        assert!(db.is_broken(), "{r:?}");
    }
    assert_eq!(pool.open_connections(), 1, "the dead one was dropped");
    let fresh = pool.get().unwrap();
    assert!(!fresh.is_broken());
    assert_eq!(
        Account::query().count(&fresh).unwrap(),
        0,
        "the uncommitted insert died with its connection"
    );
    assert_eq!(pool.open_connections(), 2);
}

/// The pool on a server: threads share a bounded set of connections.
fn the_pool_serves_threads_on_a_server(t: &TestDb) {
    t.create_table::<Account>().unwrap();
    let pool = t.pool(3).expect("a server database");
    std::thread::scope(|s| {
        for thread in 0..4 {
            let pool = &pool;
            s.spawn(move || {
                for i in 0..10 {
                    let db = pool.get().unwrap();
                    db.insert(&mut Account {
                        id: thread * 100 + i + 1,
                        balance: thread,
                    })
                    .unwrap();
                }
            });
        }
    });
    assert!(pool.open_connections() <= 3);
    assert_eq!(Account::query().count(&pool.get().unwrap()).unwrap(), 40);
}

macro_rules! server_tests {
    ($($name:ident),*) => {
        mod postgres {
            $(#[test]
            fn $name() {
                if let Some(t) = crate::common::pg_empty() {
                    super::$name(&t);
                }
            })*
        }
        mod mysql {
            $(#[test]
            fn $name() {
                if let Some(t) = crate::common::mysql_empty() {
                    super::$name(&t);
                }
            })*
        }
    };
}

server_tests!(
    deadlock_is_its_own_error,
    a_killed_connection_is_an_error_and_the_pool_replaces_it,
    the_pool_serves_threads_on_a_server
);
