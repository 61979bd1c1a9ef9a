//! Values crossing the boundary between Rust and SQL.
//!
//! [`Value`] is an owned SQL value (what a filter keeps), [`ValueRef`] a
//! borrowed one (what an insert binds straight from a record's fields, with
//! no copy). [`Field`] is the pair of conversions a Rust type needs to be a
//! model field — Diesel splits this into `ToSql`/`FromSql`; one trait is
//! enough here because every field type maps to one SQL storage class.

/// The SQL storage classes mini-orm maps fields to. Each dialect names them
/// (see [`Dialect::type_name`](crate::Dialect::type_name)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlType {
    /// 64-bit signed integer.
    Integer,
    /// 64-bit float.
    Real,
    /// UTF-8 text.
    Text,
    /// Bytes.
    Blob,
    /// Boolean (an integer 0/1 on SQLite).
    Boolean,
}

/// An owned SQL value: what filters and raw queries hold until they are bound.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// An integer (also booleans).
    Integer(i64),
    /// A float.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

/// A borrowed SQL value: bound without copying the record's strings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueRef<'a> {
    /// SQL NULL.
    Null,
    /// An integer (also booleans).
    Integer(i64),
    /// A float.
    Real(f64),
    /// Text.
    Text(&'a str),
    /// Bytes.
    Blob(&'a [u8]),
}

impl Value {
    /// Borrows the value.
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s),
            Value::Blob(b) => ValueRef::Blob(b),
        }
    }
}

impl ValueRef<'_> {
    /// Copies the value into an owned [`Value`].
    pub fn to_owned(self) -> Value {
        match self {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(s) => Value::Text(s.to_owned()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        }
    }

    /// The storage class's name, for type-mismatch errors.
    pub fn kind(self) -> &'static str {
        match self {
            ValueRef::Null => "NULL",
            ValueRef::Integer(_) => "INTEGER",
            ValueRef::Real(_) => "REAL",
            ValueRef::Text(_) => "TEXT",
            ValueRef::Blob(_) => "BLOB",
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $v:ident $(as $cast:ty)?),*) => {$(
        impl From<$t> for Value {
            fn from(x: $t) -> Value { Value::$v(x $(as $cast)?) }
        }
    )*};
}
value_from!(i64 => Integer, i32 => Integer as i64, f64 => Real, String => Text, Vec<u8> => Blob);

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Integer(i64::from(b))
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_owned())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// A Rust type that can be a model field: its SQL type, and conversions to
/// and from SQL values. Implemented for `i64`, `i32`, `f64`, `bool`,
/// `String`, `Vec<u8>` and `Option` of each (an `Option` field is a
/// nullable column).
pub trait Field: Sized {
    /// The column type in `CREATE TABLE`.
    const SQL_TYPE: SqlType;
    /// Whether the column accepts NULL (true for `Option<T>`).
    const NULLABLE: bool = false;
    /// The Rust type's name, for type-mismatch errors.
    const RUST_TYPE: &'static str;
    /// Borrows the field as a value to bind.
    fn to_value_ref(&self) -> ValueRef<'_>;
    /// Reads the field from a column value; `None` if the value has the wrong type.
    fn from_value_ref(v: ValueRef<'_>) -> Option<Self>;
}

macro_rules! int_field {
    ($t:ty, $sql:expr) => {
        impl Field for $t {
            const SQL_TYPE: SqlType = $sql;
            const RUST_TYPE: &'static str = stringify!($t);
            fn to_value_ref(&self) -> ValueRef<'_> {
                ValueRef::Integer(i64::from(*self))
            }
            fn from_value_ref(v: ValueRef<'_>) -> Option<Self> {
                match v {
                    ValueRef::Integer(i) => <$t>::try_from(i).ok(),
                    _ => None,
                }
            }
        }
    };
}
int_field!(i64, SqlType::Integer);
int_field!(i32, SqlType::Integer);

impl Field for bool {
    const SQL_TYPE: SqlType = SqlType::Boolean;
    const RUST_TYPE: &'static str = "bool";
    fn to_value_ref(&self) -> ValueRef<'_> {
        ValueRef::Integer(i64::from(*self))
    }
    fn from_value_ref(v: ValueRef<'_>) -> Option<Self> {
        match v {
            ValueRef::Integer(i) => Some(i != 0),
            _ => None,
        }
    }
}

impl Field for f64 {
    const SQL_TYPE: SqlType = SqlType::Real;
    const RUST_TYPE: &'static str = "f64";
    fn to_value_ref(&self) -> ValueRef<'_> {
        ValueRef::Real(*self)
    }
    fn from_value_ref(v: ValueRef<'_>) -> Option<Self> {
        match v {
            ValueRef::Real(f) => Some(f),
            // SQLite stores a REAL that happens to be whole as an integer.
            ValueRef::Integer(i) => Some(i as f64),
            _ => None,
        }
    }
}

impl Field for String {
    const SQL_TYPE: SqlType = SqlType::Text;
    const RUST_TYPE: &'static str = "String";
    fn to_value_ref(&self) -> ValueRef<'_> {
        ValueRef::Text(self)
    }
    fn from_value_ref(v: ValueRef<'_>) -> Option<Self> {
        match v {
            ValueRef::Text(s) => Some(s.to_owned()),
            _ => None,
        }
    }
}

impl Field for Vec<u8> {
    const SQL_TYPE: SqlType = SqlType::Blob;
    const RUST_TYPE: &'static str = "Vec<u8>";
    fn to_value_ref(&self) -> ValueRef<'_> {
        ValueRef::Blob(self)
    }
    fn from_value_ref(v: ValueRef<'_>) -> Option<Self> {
        match v {
            ValueRef::Blob(b) => Some(b.to_vec()),
            _ => None,
        }
    }
}

impl<T: Field> Field for Option<T> {
    const SQL_TYPE: SqlType = T::SQL_TYPE;
    const NULLABLE: bool = true;
    const RUST_TYPE: &'static str = T::RUST_TYPE;
    fn to_value_ref(&self) -> ValueRef<'_> {
        match self {
            Some(v) => v.to_value_ref(),
            None => ValueRef::Null,
        }
    }
    fn from_value_ref(v: ValueRef<'_>) -> Option<Self> {
        match v {
            ValueRef::Null => Some(None),
            v => T::from_value_ref(v).map(Some),
        }
    }
}

/// A Rust value usable where a column of type `T` is compared or assigned:
/// `User::NAME.eq("x")` takes a `&str` for a `String` column, and
/// `User::HAIR_COLOR.eq("black")` a `&str` for an `Option<String>` column.
/// This is what makes `User::AGE.eq("ten")` a compile error.
pub trait AsParam<T> {
    /// The owned value to bind.
    fn into_value(self) -> Value;
}

macro_rules! as_param {
    ($($t:ty),*) => {$(
        impl AsParam<$t> for $t {
            fn into_value(self) -> Value { self.to_value_ref().to_owned() }
        }
        impl AsParam<Option<$t>> for $t {
            fn into_value(self) -> Value { self.to_value_ref().to_owned() }
        }
        impl AsParam<Option<$t>> for Option<$t> {
            fn into_value(self) -> Value { self.to_value_ref().to_owned() }
        }
    )*};
}
as_param!(i64, i32, f64, bool, String, Vec<u8>);

impl AsParam<String> for &str {
    fn into_value(self) -> Value {
        Value::Text(self.to_owned())
    }
}
impl AsParam<Option<String>> for &str {
    fn into_value(self) -> Value {
        Value::Text(self.to_owned())
    }
}
impl AsParam<Vec<u8>> for &[u8] {
    fn into_value(self) -> Value {
        Value::Blob(self.to_vec())
    }
}

/// A field type that can hold a database-assigned row id (an
/// auto-increment primary key).
pub trait AutoKey {
    /// Converts the id SQLite (or `RETURNING`) handed back.
    fn from_row_id(id: i64) -> Self;
}
impl AutoKey for i64 {
    fn from_row_id(id: i64) -> Self {
        id
    }
}
impl AutoKey for i32 {
    fn from_row_id(id: i64) -> Self {
        // Row ids beyond i32 cannot be produced for an i32 key column without
        // the insert itself failing first; saturate rather than wrap.
        i32::try_from(id).unwrap_or(i32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_round_trips_null() {
        assert_eq!(None::<i64>.to_value_ref(), ValueRef::Null);
        assert_eq!(<Option<i64>>::from_value_ref(ValueRef::Null), Some(None));
        assert_eq!(
            <Option<i64>>::from_value_ref(ValueRef::Integer(4)),
            Some(Some(4))
        );
    }

    #[test]
    fn wrong_storage_class_is_none() {
        assert_eq!(i64::from_value_ref(ValueRef::Text("x")), None);
        assert_eq!(String::from_value_ref(ValueRef::Integer(1)), None);
        assert_eq!(i32::from_value_ref(ValueRef::Integer(i64::MAX)), None);
    }
}
