//! Server strings read where they lie in the page, for the fields the console keeps
//! as something else than a `String`: a quantity becomes a number, a repeated text a
//! `SharedText`, a condition's type is only compared. serde's own `Cow<str>` and
//! `String` would allocate each (the first LIST of 100,000 pods made and freed
//! several per pod); these borrow from the page when the JSON string has no escape,
//! and read serde_json's scratch copy when it has one.

use std::borrow::Cow;
use std::fmt;

use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};

use super::model::parse_quantity;
use super::shared_text::SharedText;

/// A JSON string, borrowed from the page unless it had to be unescaped.
#[derive(Debug, Default, PartialEq)]
pub struct Text<'a>(pub Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(TextVisitor)
    }
}

/// The first element of a JSON array that `pick` makes something of. Every element is
/// read (the array must be well formed), none is kept but that one.
pub fn first_of<'de, D, E, T>(
    d: D,
    what: &'static str,
    pick: impl Fn(E) -> Option<T>,
) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    E: Deserialize<'de>,
{
    struct First<E, F> {
        what: &'static str,
        pick: F,
        element: PhantomData<fn() -> E>,
    }
    impl<'de, E: Deserialize<'de>, T, F: Fn(E) -> Option<T>> Visitor<'de> for First<E, F> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(self.what)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<T>, A::Error> {
            let mut found = None;
            while let Some(element) = seq.next_element::<E>()? {
                if found.is_none() {
                    found = (self.pick)(element);
                }
            }
            Ok(found)
        }
    }
    d.deserialize_seq(First {
        what,
        pick,
        element: PhantomData,
    })
}

/// Reads a JSON string as `read` makes it into a value, without a copy of its own
/// (`read` sees the page's bytes, or serde_json's unescaped scratch buffer).
pub fn read_str<'de, D, T>(d: D, what: &'static str, read: fn(&str) -> T) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct ReadVisitor<T> {
        what: &'static str,
        read: fn(&str) -> T,
    }
    impl<T> Visitor<'_> for ReadVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(self.what)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            Ok((self.read)(v))
        }
    }
    d.deserialize_str(ReadVisitor { what, read })
}

impl<'de> Deserialize<'de> for SharedText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_str(d, "a string", SharedText::new)
    }
}

/// A Kubernetes quantity ("250m", "512Mi") as a number, `None` when it does not parse
/// (as `model::parse_quantity`), read without keeping its text. A JSON number is
/// taken as its text, as `k8s_openapi`'s `Quantity` takes it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Amount(pub Option<f64>);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct AmountVisitor;
        impl Visitor<'_> for AmountVisitor {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a quantity")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
                Ok(Amount(parse_quantity(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
                self.visit_str(&v.to_string())
            }
        }
        d.deserialize_any(AmountVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_strings_are_borrowed_and_escaped_ones_unescaped() {
        let json = r#"["kitops", "a\u00e9\n"]"#;
        let texts: Vec<Text> = serde_json::from_str(json).unwrap_or_default();
        assert!(matches!(texts[0].0, Cow::Borrowed("kitops")));
        assert_eq!(&*texts[1], "a\u{e9}\n");
        let shared: Vec<SharedText> = serde_json::from_str(json).unwrap_or_default();
        assert_eq!(shared, ["kitops", "a\u{e9}\n"]);
        assert!(shared[0].shares(&SharedText::new("kitops")));
    }

    #[test]
    fn a_quantity_is_its_number_or_none_and_a_non_string_is_an_error() {
        let amounts: Vec<Amount> =
            serde_json::from_str(r#"["250m", "1\u0030Mi", "x", "", "1e400"]"#).unwrap_or_default();
        let numbers: Vec<Option<f64>> = amounts.iter().map(|a| a.0).collect();
        assert_eq!(
            numbers,
            [
                Some(0.25),
                Some(10.0 * 1048576.0),
                None,
                None,
                Some(f64::INFINITY)
            ]
        );
        let numbers: Vec<Amount> = serde_json::from_str("[250, -1, 0.5]").unwrap_or_default();
        assert_eq!(numbers, [250.0, -1.0, 0.5].map(|n| Amount(Some(n))));
        assert!(serde_json::from_str::<Amount>("true").is_err());
        assert!(serde_json::from_str::<SharedText>("{}").is_err());
        assert!(serde_json::from_str::<Text>("null").is_err());
    }
}
