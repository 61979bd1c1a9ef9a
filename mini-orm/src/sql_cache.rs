//! Rendered SQL text, kept per connection so a repeated statement skips
//! rendering and goes straight to the backend's prepared-statement cache
//! (see the notes chapter "Why statements are cached").
//!
//! Two maps: the fixed statements of a model, keyed by `(TypeId, Shape)`,
//! and filtered queries, keyed by their structure (kinds, operators, list
//! lengths, the identities of static names — never values).

use std::any::TypeId;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// Distinct rendered statements kept in each map before it is cleared (a
/// model inserted in many different batch sizes could otherwise grow it
/// without bound).
const SQL_TEXT_CACHE_LIMIT: usize = 512;

/// The fixed statements of a model, whose text depends only on the model
/// type (and a row count): rendered once per connection, then reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Shape {
    /// `SELECT <all columns> FROM t`.
    SelectAll,
    /// `SELECT <all columns> FROM t WHERE pk = ?`.
    Find,
    /// A multi-row INSERT of this many rows (auto-increment key excluded).
    Insert(usize),
    /// A one-row INSERT ending in `RETURNING pk` (backends without a
    /// last-insert-id call).
    InsertReturning,
    /// `UPDATE t SET <non-key columns> WHERE pk = ?`.
    Update,
    /// `DELETE FROM t WHERE pk = ?`.
    Delete,
    /// `INSERT ... ON CONFLICT (pk) DO UPDATE`.
    Upsert,
}

/// One connection's rendered SQL. `Arc`, not `Rc`: a `Db` must stay `Send`
/// for the pool.
#[derive(Default)]
pub(crate) struct SqlCache {
    /// Rendered SQL of each model's fixed statements, so the hot paths (load
    /// a table, find by key, insert a batch) skip rendering.
    by_model: RefCell<HashMap<(TypeId, Shape), Arc<str>>>,
    /// Rendered SQL of filtered queries, keyed by their structure (see
    /// `Query::shape_tail`).
    by_shape: RefCell<HashMap<Vec<usize>, Arc<str>, BuildHasherDefault<ShapeHasher>>>,
    /// Scratch buffer the shape key is built in (no allocation per query).
    key: RefCell<Vec<usize>>,
}

impl SqlCache {
    /// The SQL text of model `M`'s statement `shape`, rendered by `render`
    /// on first use.
    pub(crate) fn model<M: 'static>(
        &self,
        shape: Shape,
        render: impl FnOnce() -> String,
    ) -> Arc<str> {
        let key = (TypeId::of::<M>(), shape);
        if let Some(sql) = self.by_model.borrow().get(&key) {
            return Arc::clone(sql);
        }
        let sql: Arc<str> = render().into();
        let mut cache = self.by_model.borrow_mut();
        if cache.len() >= SQL_TEXT_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, Arc::clone(&sql));
        sql
    }

    /// The SQL text for a query whose structure `build` writes into a key,
    /// rendered by `render` the first time that structure is seen.
    pub(crate) fn shape(
        &self,
        build: impl FnOnce(&mut Vec<usize>),
        render: impl FnOnce() -> String,
    ) -> Arc<str> {
        let mut key = self.key.borrow_mut();
        key.clear();
        build(&mut key);
        if let Some(sql) = self.by_shape.borrow().get(key.as_slice()) {
            return Arc::clone(sql);
        }
        let sql: Arc<str> = render().into();
        let mut cache = self.by_shape.borrow_mut();
        if cache.len() >= SQL_TEXT_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key.clone(), Arc::clone(&sql));
        sql
    }
}

/// A multiply-rotate hasher for shape keys (FxHash's recipe). SipHash, the
/// std default, resists hash flooding by untrusted keys; shape keys come
/// from the program's own query structures, so speed wins here.
#[derive(Default)]
pub(crate) struct ShapeHasher(u64);

impl Hasher for ShapeHasher {
    fn write(&mut self, bytes: &[u8]) {
        // A shape key hashes as one slice of whole usize words. Reading
        // each as a fixed 8-byte array compiles to one load; the earlier
        // copy of every chunk into a zeroed buffer was a `memcpy` call per
        // word, a third of the ORM's own cost on a one-row query
        // (callgrind, the medium_complex_query case at n=1).
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            if let Ok(word) = <[u8; 8]>::try_from(word) {
                self.write_u64(u64::from_le_bytes(word));
            }
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::Hash;

    fn hash(key: &[usize]) -> u64 {
        let mut h = ShapeHasher::default();
        key.hash(&mut h);
        h.finish()
    }

    #[test]
    fn equal_keys_hash_equal_and_a_changed_word_changes_the_hash() {
        assert_eq!(hash(&[1, 2, 3]), hash(&[1, 2, 3]));
        assert_ne!(hash(&[1, 2, 3]), hash(&[1, 2, 4]));
        assert_ne!(hash(&[1, 2]), hash(&[1, 2, 0]));
        let mut h = ShapeHasher::default();
        h.write(b"abc"); // a tail shorter than a word is hashed too
        assert_ne!(h.finish(), ShapeHasher::default().finish());
    }
}
