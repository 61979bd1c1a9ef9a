//! Reading result rows: [`Row`], the driver-neutral view of one row that
//! every backend hands out, and [`FromRow`], how a field, a tuple or a model
//! is read from it (Diesel's `Queryable`).
//!
//! A backend makes its driver's row type a `RawRow` (two methods: a value
//! by index, a column's name); everything above reads rows only through
//! [`Row`], so no module above the backends names a driver's row type.

use crate::error::{Error, Result};
use crate::value::{Field, ValueRef};

/// What a driver's row must offer: values and column names by index (the
/// fast path both rusqlite and `postgres` offer: no name lookup per value).
pub(crate) trait RawRow {
    /// The value at column `idx`, borrowed from the row. A value the driver
    /// holds but mini-orm cannot map is an [`Error::TypeMismatch`] (build it
    /// with [`mismatch`]).
    fn value(&self, idx: usize) -> Result<ValueRef<'_>>;

    /// The name of column `idx` as the statement returned it.
    fn column_name(&self, idx: usize) -> Option<&str>;
}

/// One row of a result, read by column index.
pub struct Row<'a> {
    /// The driver's row. A trait object, not an enum of drivers, so a new
    /// backend adds no variant here; the indirect call per value is small
    /// beside the driver's own (FFI) call that fetches the value.
    raw: &'a dyn RawRow,
}

impl<'a> Row<'a> {
    /// Wraps a driver's row (called by the backends).
    pub(crate) fn new(raw: &'a dyn RawRow) -> Row<'a> {
        Row { raw }
    }

    /// The value at column `idx` as a `T`; a wrong type is a
    /// [`Error::TypeMismatch`] naming the column.
    #[inline]
    pub fn get<T: Field>(&self, idx: usize) -> Result<T> {
        let v = self.raw.value(idx)?;
        T::from_value_ref(v).ok_or_else(|| mismatch(self.raw, T::RUST_TYPE, idx, v.kind()))
    }

    /// Whether column `idx` is NULL.
    pub fn is_null(&self, idx: usize) -> Result<bool> {
        Ok(matches!(self.raw.value(idx)?, ValueRef::Null))
    }
}

/// The [`Error::TypeMismatch`] for column `idx` of `row`: the Rust side
/// wanted `expected`, the row held `found`.
#[cold]
pub(crate) fn mismatch(
    row: &dyn RawRow,
    expected: &'static str,
    idx: usize,
    found: &'static str,
) -> Error {
    Error::TypeMismatch {
        column: row
            .column_name(idx)
            .map_or_else(|| format!("#{idx}"), str::to_owned),
        expected,
        found,
    }
}

/// Column `idx`'s bytes as text, or the mismatch naming the column when
/// they are not UTF-8 (a database that stores any bytes as text).
pub(crate) fn text<'a>(row: &dyn RawRow, idx: usize, bytes: &'a [u8]) -> Result<ValueRef<'a>> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(ValueRef::Text(s)),
        Err(_) => Err(mismatch(
            row,
            "valid UTF-8 text",
            idx,
            "TEXT (invalid UTF-8)",
        )),
    }
}

/// Reads a value out of a result row starting at column `offset` — a model,
/// a tuple of fields, or an `Option<Model>` for the right side of a LEFT JOIN.
/// Mirrors Diesel's `Queryable`.
pub trait FromRow: Sized {
    /// How many columns it consumes.
    const WIDTH: usize;
    /// Reads it from `row` starting at column `offset`.
    fn from_row(row: &Row<'_>, offset: usize) -> Result<Self>;
}

macro_rules! tuple_from_row {
    ($($name:ident),+) => {
        impl<$($name: FromRow),+> FromRow for ($($name,)+) {
            const WIDTH: usize = 0 $(+ $name::WIDTH)+;
            #[allow(unused_assignments)]
            fn from_row(row: &Row<'_>, offset: usize) -> Result<Self> {
                let mut at = offset;
                Ok(($({
                    let v = $name::from_row(row, at)?;
                    at += $name::WIDTH;
                    v
                },)+))
            }
        }
    };
}

macro_rules! field_from_row {
    ($($t:ty),*) => {$(
        impl FromRow for $t {
            const WIDTH: usize = 1;
            #[inline]
            fn from_row(row: &Row<'_>, offset: usize) -> Result<Self> { row.get(offset) }
        }
        impl FromRow for Option<$t> {
            const WIDTH: usize = 1;
            #[inline]
            fn from_row(row: &Row<'_>, offset: usize) -> Result<Self> { row.get(offset) }
        }
    )*};
}
field_from_row!(i64, i32, f64, bool, String, Vec<u8>);

tuple_from_row!(A);
tuple_from_row!(A, B);
tuple_from_row!(A, B, C);
tuple_from_row!(A, B, C, D);
tuple_from_row!(A, B, C, D, E);
tuple_from_row!(A, B, C, D, E, F);
