//! The connection pool: threads share a file database, connections are
//! reused, and a full pool times out instead of hanging.

use std::time::Duration;

use mini_orm::{Error, Model, Pool};

#[derive(Model, Debug)]
struct Counter {
    id: i64,
    thread: i64,
}

#[test]
fn threads_share_a_bounded_set_of_connections() {
    let dir = std::env::temp_dir().join(format!("mini-orm-pool-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("pool.db");
    let _ = std::fs::remove_file(&path);
    let pool = Pool::new(&path, 3);
    pool.get().unwrap().create_table::<Counter>().unwrap();
    std::thread::scope(|s| {
        for t in 0..6 {
            let pool = &pool;
            s.spawn(move || {
                for _ in 0..20 {
                    let db = pool.get().unwrap();
                    db.insert(&mut Counter { id: 0, thread: t }).unwrap();
                }
            });
        }
    });
    assert!(pool.open_connections() <= 3);
    assert_eq!(Counter::query().count(&pool.get().unwrap()).unwrap(), 120);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_exhausted_pool_times_out() {
    let dir = std::env::temp_dir().join(format!("mini-orm-pool-to-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pool = Pool::new(dir.join("t.db"), 1).with_timeout(Duration::from_millis(50));
    let held = pool.get().unwrap();
    assert!(matches!(pool.get(), Err(Error::PoolTimeout(_))));
    drop(held);
    assert!(pool.get().is_ok());
    let _ = std::fs::remove_dir_all(&dir);
}
