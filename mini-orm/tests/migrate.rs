//! Versioned migrations (from empty and from every earlier version) and
//! auto-migrate (add columns; drop by rebuild; dry run).

mod common;

use mini_orm::{Db, Error, Migration, Migrator};

const STEPS: &[Migration] = &[
    Migration { version: 1, name: "users", up: "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)" },
    Migration {
        version: 2,
        name: "posts",
        up: "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), title TEXT NOT NULL);
             CREATE INDEX idx_posts_user ON posts (user_id);",
    },
    Migration { version: 3, name: "users.email", up: "ALTER TABLE users ADD COLUMN email TEXT" },
    Migration { version: 5, name: "seed", up: "INSERT INTO users (name, email) VALUES ('admin', 'a@example.com')" },
];

fn final_schema(db: &Db) -> Vec<String> {
    db.query_as::<(String,)>(
        "SELECT name || ':' || sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name <> '_mini_orm_migrations' ORDER BY name",
        &[],
    )
    .unwrap()
    .into_iter()
    .map(|(s,)| s)
    .collect()
}

#[test]
fn from_empty_applies_all_in_order_once() {
    let db = Db::open_in_memory().unwrap();
    let m = Migrator::new(STEPS).unwrap();
    assert_eq!(m.run(&db).unwrap(), [1, 2, 3, 5]);
    assert_eq!(
        m.run(&db).unwrap(),
        Vec::<i64>::new(),
        "second run is a no-op"
    );
    assert_eq!(m.applied(&db).unwrap(), [1, 2, 3, 5]);
    assert_eq!(
        db.query_as::<(String,)>("SELECT email FROM users", &[])
            .unwrap(),
        [("a@example.com".to_owned(),)]
    );
}

#[test]
fn from_each_earlier_version_reaches_the_same_schema() {
    let reference = Db::open_in_memory().unwrap();
    Migrator::new(STEPS).unwrap().run(&reference).unwrap();
    let want = final_schema(&reference);
    for start in STEPS.iter().map(|s| s.version) {
        let db = Db::open_in_memory().unwrap();
        let m = Migrator::new(STEPS).unwrap();
        m.run_to(&db, start).unwrap();
        let rest = m.run(&db).unwrap();
        assert!(rest.iter().all(|v| *v > start), "from {start}: {rest:?}");
        assert_eq!(final_schema(&db), want, "from version {start}");
    }
}

#[test]
fn a_failing_migration_leaves_no_trace() {
    const BAD: &[Migration] = &[
        Migration {
            version: 1,
            name: "ok",
            up: "CREATE TABLE a (x INTEGER)",
        },
        Migration {
            version: 2,
            name: "half",
            up: "CREATE TABLE b (x INTEGER); CREATE TABLE a (x INTEGER);",
        },
    ];
    let db = Db::open_in_memory().unwrap();
    let err = Migrator::new(BAD).unwrap().run(&db).unwrap_err();
    assert!(
        matches!(err, Error::Migration { version: 2, .. }),
        "{err:?}"
    );
    assert!(
        !db.table_exists("b").unwrap(),
        "first statement of the failed script rolled back"
    );
    assert_eq!(Migrator::new(BAD).unwrap().applied(&db).unwrap(), [1]);
}

#[test]
fn out_of_order_or_unknown_versions_are_rejected() {
    let unordered = [STEPS[1], STEPS[0]];
    assert!(matches!(
        Migrator::new(&unordered),
        Err(Error::Migration { version: 1, .. })
    ));
    let db = Db::open_in_memory().unwrap();
    Migrator::new(STEPS).unwrap().run(&db).unwrap();
    let older = Migrator::new(&STEPS[..2]).unwrap();
    assert!(matches!(
        older.applied(&db),
        Err(Error::Migration { version: 3, .. })
    ));
}

mod v1 {
    use mini_orm::Model;
    #[derive(Model, Debug, PartialEq)]
    #[orm(table = "people")]
    pub(crate) struct Person {
        pub(crate) id: i64,
        pub(crate) name: String,
        pub(crate) nickname: Option<String>,
    }
}

mod v2 {
    use mini_orm::Model;
    #[derive(Model, Debug, PartialEq)]
    #[orm(table = "people")]
    pub(crate) struct Person {
        pub(crate) id: i64,
        pub(crate) name: String,
        #[orm(default = "0")]
        pub(crate) age: i64,
    }
}

#[test]
fn auto_migrate_creates_adds_and_drops() {
    let db = Db::open_in_memory().unwrap();
    let plan = db.auto_migrate::<v1::Person>(true).unwrap();
    assert_eq!(
        plan,
        [
            r#"CREATE TABLE "people" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL, "nickname" TEXT)"#
        ]
    );
    assert!(
        !db.table_exists("people").unwrap(),
        "dry run changed nothing"
    );
    db.auto_migrate::<v1::Person>(false).unwrap();
    db.insert(&mut v1::Person {
        id: 0,
        name: "ada".into(),
        nickname: Some("a".into()),
    })
    .unwrap();
    assert!(
        db.auto_migrate::<v1::Person>(false).unwrap().is_empty(),
        "in sync: nothing to do"
    );

    // v2 removes `nickname` and adds `age`: a rebuild keeping `id` and `name`.
    let plan = db.auto_migrate::<v2::Person>(true).unwrap();
    assert_eq!(
        plan,
        [
            r#"CREATE TABLE "people__mini_orm_new" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL, "age" INTEGER NOT NULL DEFAULT 0)"#,
            r#"INSERT INTO "people__mini_orm_new" ("id", "name") SELECT "id", "name" FROM "people""#,
            r#"DROP TABLE "people""#,
            r#"ALTER TABLE "people__mini_orm_new" RENAME TO "people""#,
        ]
    );
    db.auto_migrate::<v2::Person>(false).unwrap();
    assert_eq!(db.table_columns("people").unwrap(), ["id", "name", "age"]);
    assert_eq!(
        db.find::<v2::Person>(1).unwrap(),
        v2::Person {
            id: 1,
            name: "ada".into(),
            age: 0
        }
    );
}

mod v3 {
    use mini_orm::Model;
    #[derive(Model, Debug, PartialEq)]
    #[orm(table = "people")]
    pub(crate) struct Person {
        pub(crate) id: i64,
        pub(crate) name: String,
        #[orm(default = "0")]
        pub(crate) age: i64,
        pub(crate) email: Option<String>,
    }
}

#[test]
fn auto_migrate_adds_a_column_in_place() {
    let db = Db::open_in_memory().unwrap();
    db.auto_migrate::<v2::Person>(false).unwrap();
    let plan = db.auto_migrate::<v3::Person>(false).unwrap();
    assert_eq!(plan, [r#"ALTER TABLE "people" ADD COLUMN "email" TEXT"#]);
    assert_eq!(v3::Person::query().count(&db).unwrap(), 0);
}

/// The same flow on PostgreSQL (whose DDL is transactional too, and which
/// drops columns in place instead of rebuilding).
#[test]
fn postgres_migrations_and_auto_migrate() {
    let Some(db) = common::pg_empty() else { return };
    const PG_STEPS: &[Migration] = &[
        Migration {
            version: 1,
            name: "users",
            up: "CREATE TABLE users (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name TEXT NOT NULL)",
        },
        Migration {
            version: 2,
            name: "users.email",
            up: "ALTER TABLE users ADD COLUMN email TEXT",
        },
        Migration {
            version: 3,
            name: "seed",
            up: "INSERT INTO users (name, email) VALUES ('admin', 'a@example.com')",
        },
    ];
    let m = Migrator::new(PG_STEPS).unwrap();
    assert_eq!(m.run_to(&db, 1).unwrap(), [1]);
    assert_eq!(m.run(&db).unwrap(), [2, 3]);
    assert!(m.run(&db).unwrap().is_empty());
    assert_eq!(
        db.query_as::<(String,)>("SELECT email FROM users", &[])
            .unwrap(),
        [("a@example.com".to_owned(),)]
    );

    const BAD: &[Migration] = &[Migration {
        version: 9,
        name: "half",
        up: "CREATE TABLE b (x INTEGER); CREATE TABLE users (x INTEGER);",
    }];
    let mut all = PG_STEPS.to_vec();
    all.extend_from_slice(BAD);
    assert!(matches!(
        Migrator::new(&all).unwrap().run(&db),
        Err(Error::Migration { version: 9, .. })
    ));
    assert!(!db.table_exists("b").unwrap());

    drops_and_adds_in_place(
        &db,
        [
            r#"ALTER TABLE "people" DROP COLUMN "nickname""#,
            r#"ALTER TABLE "people" ADD COLUMN "age" BIGINT NOT NULL DEFAULT 0"#,
        ],
    );
}

/// v1 → v2 on a database that drops columns in place: the plan is `want`
/// and the row survives.
fn drops_and_adds_in_place(db: &Db, want: [&str; 2]) {
    db.auto_migrate::<v1::Person>(false).unwrap();
    db.insert(&mut v1::Person {
        id: 0,
        name: "ada".into(),
        nickname: None,
    })
    .unwrap();
    assert_eq!(db.auto_migrate::<v2::Person>(false).unwrap(), want);
    assert_eq!(
        db.find::<v2::Person>(1).unwrap(),
        v2::Person {
            id: 1,
            name: "ada".into(),
            age: 0
        }
    );
}

/// The same flow on MySQL/MariaDB, whose DDL commits implicitly: each DDL
/// statement is its own version, a script mixing DDL with anything else is
/// refused before any pending version runs, and a failing DDL version
/// leaves neither schema nor record.
#[test]
fn mysql_migrations_and_auto_migrate() {
    let Some(db) = common::mysql_empty() else {
        return;
    };
    const MY_STEPS: &[Migration] = &[
        Migration {
            version: 1,
            name: "users",
            up: "CREATE TABLE IF NOT EXISTS users (id BIGINT AUTO_INCREMENT PRIMARY KEY, name TEXT NOT NULL)",
        },
        Migration {
            version: 2,
            name: "users.email",
            up: "ALTER TABLE users ADD COLUMN IF NOT EXISTS email TEXT",
        },
        Migration {
            version: 3,
            name: "seed",
            up: "INSERT INTO users (name, email) VALUES ('admin', 'a@example.com'); \
                 INSERT INTO users (name, email) VALUES ('root', 'semi;colon@example.com')",
        },
    ];
    let m = Migrator::new(MY_STEPS).unwrap();
    assert_eq!(m.run_to(&db, 1).unwrap(), [1]);
    assert_eq!(m.run(&db).unwrap(), [2, 3]);
    assert!(m.run(&db).unwrap().is_empty());
    assert_eq!(
        db.query_as::<(String,)>("SELECT email FROM users ORDER BY id", &[])
            .unwrap(),
        [
            ("a@example.com".to_owned(),),
            ("semi;colon@example.com".to_owned(),)
        ]
    );

    // Mixed DDL: refused whole, before the good version 8 runs either.
    let mixed = [
        Migration {
            version: 8,
            name: "fine",
            up: "CREATE TABLE eight (x INT)",
        },
        Migration {
            version: 9,
            name: "mixed",
            up: "CREATE TABLE b (x INT); INSERT INTO users (name) VALUES ('x')",
        },
    ];
    let mut all = MY_STEPS.to_vec();
    all.extend_from_slice(&mixed);
    let err = Migrator::new(&all).unwrap().run(&db).unwrap_err();
    match err {
        Error::Migration { version: 9, reason } => {
            assert!(reason.contains("own version"), "{reason}")
        }
        other => panic!("expected a refusal of version 9, got {other:?}"),
    }
    assert!(!db.table_exists("eight").unwrap());
    assert!(!db.table_exists("b").unwrap());

    // A failing DDL version: no table, no record; a failing data version
    // rolls back its earlier statements.
    let failing = [
        Migration {
            version: 10,
            name: "bad ddl",
            up: "CREATE TABLE users (x INT)",
        },
        Migration {
            version: 11,
            name: "bad data",
            up: "INSERT INTO users (name) VALUES ('half'); INSERT INTO nowhere VALUES (1)",
        },
    ];
    let mut all = MY_STEPS.to_vec();
    all.push(failing[0]);
    assert!(matches!(
        Migrator::new(&all).unwrap().run(&db),
        Err(Error::Migration { version: 10, .. })
    ));
    assert_eq!(
        Migrator::new(&all).unwrap().applied(&db).unwrap(),
        [1, 2, 3]
    );
    let mut all = MY_STEPS.to_vec();
    all.push(failing[1]);
    assert!(matches!(
        Migrator::new(&all).unwrap().run(&db),
        Err(Error::Migration { version: 11, .. })
    ));
    assert_eq!(
        db.query_as::<(i64,)>("SELECT COUNT(*) FROM users WHERE name = 'half'", &[])
            .unwrap(),
        [(0,)]
    );

    // Auto-migrate drops and adds columns in place, outside a transaction.
    drops_and_adds_in_place(
        &db,
        [
            "ALTER TABLE `people` DROP COLUMN `nickname`",
            "ALTER TABLE `people` ADD COLUMN `age` BIGINT NOT NULL DEFAULT 0",
        ],
    );
}
