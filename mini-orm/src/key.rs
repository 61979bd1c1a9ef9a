//! Primary-key values as callers write them: `db.find::<User>(7)` for a
//! one-column key, `db.find::<Membership>((user_id, group_id))` for a
//! composite one — Diesel's `find((a, b))`.

use crate::value::{AsParam, Field, Value};

/// A Rust value naming one row of a model whose key type is `K` (the
/// model's `Model::Key`): for a one-column key, anything that is
/// [`AsParam`] of that column's type; for a composite key, a tuple of them
/// in key-column order. A value of the wrong type or arity does not
/// compile.
pub trait IntoKey<K> {
    /// Appends the key's values, in key-column order.
    fn push_values(self, out: &mut Vec<Value>);
}

impl<K: Field, T: AsParam<K>> IntoKey<K> for T {
    fn push_values(self, out: &mut Vec<Value>) {
        out.push(self.into_value());
    }
}

macro_rules! tuple_key {
    ($($k:ident $t:ident $i:tt),+) => {
        impl<$($k: Field, $t: AsParam<$k>),+> IntoKey<($($k,)+)> for ($($t,)+) {
            fn push_values(self, out: &mut Vec<Value>) {
                $(out.push(self.$i.into_value());)+
            }
        }
    };
}
tuple_key!(A TA 0, B TB 1);
tuple_key!(A TA 0, B TB 1, C TC 2);
tuple_key!(A TA 0, B TB 1, C TC 2, D TD 3);

#[cfg(test)]
mod tests {
    use super::*;

    fn values<K>(k: impl IntoKey<K>) -> Vec<Value> {
        let mut out = Vec::new();
        k.push_values(&mut out);
        out
    }

    #[test]
    fn single_and_composite_keys() {
        assert_eq!(values::<i64>(7), [Value::Integer(7)]);
        assert_eq!(
            values::<(i64, String)>((7, "x")),
            [Value::Integer(7), Value::from("x")]
        );
    }
}
