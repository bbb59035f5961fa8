//! Strings that 100,000 pods repeat — their namespace, phase, status reason, node and
//! ReplicaSet — held once and shared. As `String`s each pod carried five copies of a
//! handful of values (`kitops`, `Running`, one of 5,000 node names, one of a few hundred
//! ReplicaSets): about 120 bytes of heap and headers a pod, 12 MB at 100,000 pods, kept
//! as long as the pod is in the collector's store.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// A string shared by every object that holds the same text: reads as a `&str`
/// (`Deref`), compares with `str`, `&str` and `String`, and serializes as a string.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SharedText(Arc<str>);

/// At most this many distinct texts are kept for sharing; more (a cluster of more
/// nodes, or server text that never repeats) are held unshared, so the set is bounded
/// whatever a server sends. Kept for the life of the process: at most ~1 MB.
const MAX_SHARED: usize = 32_768;

// SipHash with a random key (std's): the texts come from a server.
static TEXTS: Mutex<Option<HashSet<Arc<str>>>> = Mutex::new(None);

impl SharedText {
    /// `text`, shared with every other `SharedText` made of the same text.
    pub fn new(text: &str) -> Self {
        let Ok(mut guard) = TEXTS.lock() else {
            return Self(Arc::from(text));
        };
        let texts = guard.get_or_insert_with(HashSet::default);
        if let Some(held) = texts.get(text) {
            return Self(held.clone());
        }
        let made: Arc<str> = Arc::from(text);
        if texts.len() < MAX_SHARED {
            texts.insert(made.clone());
        }
        Self(made)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether both hold the very same allocation (made of the same text while it
    /// was shareable).
    pub fn shares(&self, other: &SharedText) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for SharedText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for SharedText {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SharedText {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

impl From<String> for SharedText {
    fn from(text: String) -> Self {
        Self::new(&text)
    }
}

impl From<&String> for SharedText {
    fn from(text: &String) -> Self {
        Self::new(text)
    }
}

impl From<SharedText> for String {
    fn from(text: SharedText) -> Self {
        text.0.to_string()
    }
}

impl PartialEq<str> for SharedText {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for SharedText {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for SharedText {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<SharedText> for str {
    fn eq(&self, other: &SharedText) -> bool {
        self == &*other.0
    }
}

impl PartialEq<SharedText> for &str {
    fn eq(&self, other: &SharedText) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<SharedText> for String {
    fn eq(&self, other: &SharedText) -> bool {
        **self == *other.0
    }
}

impl std::fmt::Display for SharedText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for SharedText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl serde::Serialize for SharedText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

// `Deserialize` is in `slim_text`: read in place, as the pods' other strings are.

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_is_one_allocation_and_reads_as_the_text() {
        let a = SharedText::new("Running");
        let b = SharedText::from(String::from("Running"));
        assert!(a.shares(&b));
        assert_eq!(a, "Running");
        assert_eq!(a.as_str(), "Running");
        assert_eq!(format!("{a} {a:?}"), "Running \"Running\"");
        assert!(!a.shares(&SharedText::new("Pending")));
        assert_ne!(a, SharedText::new("Pending"));
    }

    #[test]
    fn it_serializes_as_the_plain_string() {
        let a = SharedText::new("kitops");
        let json = serde_json::to_string(&a).unwrap_or_default();
        assert_eq!(json, "\"kitops\"");
        let back: SharedText = serde_json::from_str(&json).unwrap_or_default();
        assert!(back.shares(&a));
        let escaped: SharedText = serde_json::from_str("\"a\\nb\"").unwrap_or_default();
        assert_eq!(escaped, "a\nb");
    }
}
