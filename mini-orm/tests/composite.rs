//! Composite primary keys on every backend: a table-level PRIMARY KEY, find
//! by a tuple, update/delete/upsert keyed on every key column, and a
//! duplicate key as a unique violation.

mod common;

use common::Membership;
use mini_orm::{Db, Error};

fn member(user_id: i64, group: &str, role: &str) -> Membership {
    Membership {
        user_id,
        group: group.into(),
        role: role.into(),
    }
}

fn rows_are_found_updated_and_deleted_by_the_whole_key(db: &Db) {
    db.create_table::<Membership>().unwrap();
    let mut rows = [
        member(1, "admins", "owner"),
        member(1, "users", "member"),
        member(2, "users", "member"),
    ];
    db.insert_many(&mut rows).unwrap();
    assert_eq!(db.find::<Membership>((1, "users")).unwrap(), rows[1]);
    assert!(matches!(
        db.find::<Membership>((2, "admins")),
        Err(Error::NotFound { .. })
    ));

    // The same key twice is a unique violation; half of it is not.
    let err = db.insert(&mut member(1, "users", "again")).unwrap_err();
    assert!(matches!(err, Error::UniqueViolation { .. }), "{err:?}");

    // Update and delete touch exactly the row with both key values.
    let mut m = rows[1].clone();
    m.role = "moderator".into();
    db.update(&mut m).unwrap();
    assert_eq!(
        db.find::<Membership>((1, "users")).unwrap().role,
        "moderator"
    );
    assert_eq!(db.find::<Membership>((2, "users")).unwrap().role, "member");
    db.delete(&rows[0]).unwrap();
    assert_eq!(Membership::query().count(db).unwrap(), 2);
    assert!(matches!(db.delete(&rows[0]), Err(Error::NotFound { .. })));

    // Upsert conflicts on the whole key.
    db.upsert(&member(2, "users", "owner")).unwrap();
    db.upsert(&member(3, "users", "member")).unwrap();
    let all = Membership::query()
        .order_by(Membership::USER_ID.asc())
        .all(db)
        .unwrap();
    assert_eq!(
        all,
        [
            member(1, "users", "moderator"),
            member(2, "users", "owner"),
            member(3, "users", "member")
        ]
    );
    let in_users = Membership::query()
        .filter(
            Membership::GROUP
                .eq("users")
                .and(Membership::ROLE.ne("member")),
        )
        .count(db)
        .unwrap();
    assert_eq!(in_users, 2);
}

common::backend_tests!(empty: rows_are_found_updated_and_deleted_by_the_whole_key);
