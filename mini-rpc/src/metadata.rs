//! Per-call metadata: a small ordered string map sent in request and
//! response headers (gRPC's `MetadataMap`, tarpc's `Context` extensions).
//!
//! A `Vec` of pairs, not a `HashMap`: calls carry zero to a handful of
//! entries, for which a linear scan beats hashing and keeps wire order stable.

/// An ordered list of `key: value` string pairs, keys compared exactly.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    /// The entries, in insertion order; a key appears at most once.
    entries: Vec<(String, String)>,
}

impl Metadata {
    /// An empty map (allocates nothing).
    pub fn new() -> Metadata {
        Metadata::default()
    }

    /// Sets `key` to `value`, replacing an earlier value.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let (key, value) = (key.into(), value.into());
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let at = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(at).1)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Appends an entry without checking for an earlier one (the decoder's path).
    pub(crate) fn push_raw(&mut self, key: String, value: String) {
        self.entries.push((key, value));
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Metadata {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Metadata {
        let mut map = Metadata::new();
        for (k, v) in iter {
            map.insert(k, v);
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_replaces_and_remove_returns() {
        let mut m = Metadata::new();
        m.insert("a", "1");
        m.insert("b", "2");
        m.insert("a", "3");
        assert_eq!(m.len(), 2);
        assert_eq!(m.get("a"), Some("3"));
        assert_eq!(m.remove("a").as_deref(), Some("3"));
        assert_eq!(m.get("a"), None);
        assert_eq!(m.iter().collect::<Vec<_>>(), vec![("b", "2")]);
    }
}
