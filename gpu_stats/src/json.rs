//! A minimal JSON value and writer: enough for one flat-ish object per sample.

use std::fmt::Write;

/// A JSON value. Objects keep insertion order so output is stable and diffable.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Bool(bool),
    Int(i64),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Object),
}

/// An ordered JSON object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object(pub Vec<(String, Json)>);

impl Object {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Json>) {
        self.0.push((key.into(), value.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Serialise to a single line (no trailing newline).
    pub fn to_line(&self) -> String {
        let mut out = String::with_capacity(512);
        write_object(self, &mut out);
        out
    }
}

impl From<bool> for Json {
    fn from(v: bool) -> Self {
        Json::Bool(v)
    }
}
impl From<i64> for Json {
    fn from(v: i64) -> Self {
        Json::Int(v)
    }
}
impl From<u32> for Json {
    fn from(v: u32) -> Self {
        Json::Int(i64::from(v))
    }
}
impl From<u64> for Json {
    fn from(v: u64) -> Self {
        // Byte counters never get near i64::MAX; saturate rather than wrap just in case.
        Json::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<usize> for Json {
    fn from(v: usize) -> Self {
        Json::from(v as u64)
    }
}
impl From<f64> for Json {
    fn from(v: f64) -> Self {
        Json::Num(v)
    }
}
impl From<&str> for Json {
    fn from(v: &str) -> Self {
        Json::Str(v.to_string())
    }
}
impl From<String> for Json {
    fn from(v: String) -> Self {
        Json::Str(v)
    }
}
impl From<Object> for Json {
    fn from(v: Object) -> Self {
        Json::Obj(v)
    }
}
impl From<Vec<Json>> for Json {
    fn from(v: Vec<Json>) -> Self {
        Json::Arr(v)
    }
}

pub fn write_value(value: &Json, out: &mut String) {
    match value {
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Json::Num(f) => write_number(*f, out),
        Json::Str(s) => write_string(s, out),
        Json::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Json::Obj(obj) => write_object(obj, out),
    }
}

fn write_object(obj: &Object, out: &mut String) {
    out.push('{');
    for (i, (key, value)) in obj.0.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(key, out);
        out.push(':');
        write_value(value, out);
    }
    out.push('}');
}

/// JSON has no NaN or infinity, so those become null.
fn write_number(f: f64, out: &mut String) {
    if f.is_finite() {
        // `{:?}` prints the shortest round-trip form ("1.0", "0.1", "1e-7", "1e300"),
        // all of which are valid JSON numbers.
        let _ = write!(out, "{f:?}");
    } else {
        out.push_str("null");
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(v: Json) -> String {
        let mut s = String::new();
        write_value(&v, &mut s);
        s
    }

    #[test]
    fn scalars() {
        assert_eq!(render(true.into()), "true");
        assert_eq!(render(42i64.into()), "42");
        assert_eq!(render((-7i64).into()), "-7");
        assert_eq!(render(u64::MAX.into()), i64::MAX.to_string());
    }

    #[test]
    fn floats_are_valid_json() {
        assert_eq!(render(1.0.into()), "1.0");
        assert_eq!(render(0.1.into()), "0.1");
        assert_eq!(render(12.5.into()), "12.5");
        assert_eq!(render(1e-7.into()), "1e-7");
        assert_eq!(render(1e300.into()), "1e300");
        assert_eq!(render(f64::NAN.into()), "null");
        assert_eq!(render(f64::INFINITY.into()), "null");
        assert_eq!(render(f64::NEG_INFINITY.into()), "null");
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(render("plain".into()), r#""plain""#);
        assert_eq!(render("a\"b\\c".into()), r#""a\"b\\c""#);
        assert_eq!(render("l1\nl2\t\r".into()), r#""l1\nl2\t\r""#);
        assert_eq!(render("\u{1}".into()), r#""\u0001""#);
        assert_eq!(render("ünï 日本".into()), "\"ünï 日本\"");
    }

    #[test]
    fn nested_object_keeps_order() {
        let mut inner = Object::new();
        inner.insert("b", 2i64);
        inner.insert("a", 1.5);
        let mut outer = Object::new();
        outer.insert("z", "x");
        outer.insert("inner", inner);
        outer.insert(
            "list",
            vec![Json::Int(1), Json::Num(f64::NAN), Json::Bool(false)],
        );
        outer.insert("empty", Object::new());
        assert_eq!(
            outer.to_line(),
            r#"{"z":"x","inner":{"b":2,"a":1.5},"list":[1,null,false],"empty":{}}"#
        );
    }
}
