//! SQL literals → `?`: a small lexer that knows where PostgreSQL's literals begin and
//! end, so identifiers (`t1`, `"order 2024"`), parameters (`$1`) and keywords stay and
//! only constants go. A query truncated by `track_activity_query_size` may end inside a
//! literal: the rest of it is masked.

use super::text::log_line;

/// `raw` with every string, numeric, bit-string and dollar-quoted literal replaced by
/// `?`; comments keep their words, their values masked as a log line's are.
pub fn sql(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev = i.checked_sub(1).map(|p| chars[p]);
        match c {
            '-' if chars.get(i + 1) == Some(&'-') => {
                let end = find(&chars, i, |ch| ch == '\n').unwrap_or(chars.len());
                out.push_str("--");
                out.push_str(&log_line(&collect(&chars[i + 2..end])));
                i = end;
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                let end = block_comment_end(&chars, i);
                let inner_end = if end >= i + 4 && chars[end - 2] == '*' && chars[end - 1] == '/' {
                    end - 2
                } else {
                    end
                };
                out.push_str("/*");
                out.push_str(&log_line(&collect(&chars[i + 2..inner_end])));
                if inner_end < end {
                    out.push_str("*/");
                }
                i = end;
            }
            '"' => {
                let end = quoted_end(&chars, i, '"', false);
                out.push_str(&collect(&chars[i..end]));
                i = end;
            }
            '\'' => {
                let backslashes = prefix_is_escape_string(&out);
                let start = literal_prefix_start(&out);
                out.truncate(start);
                out.push('?');
                i = quoted_end(&chars, i, '\'', backslashes);
            }
            '$' if !prev.is_some_and(is_ident_char) => match dollar_tag(&chars, i) {
                Some(tag) => {
                    out.push('?');
                    i = dollar_end(&chars, i + tag.chars().count(), &tag);
                }
                None => {
                    // `$1`: a parameter, kept with its digits.
                    let end = find(&chars, i + 1, |ch| !ch.is_ascii_digit()).unwrap_or(chars.len());
                    out.push_str(&collect(&chars[i..end]));
                    i = end;
                }
            },
            _ if starts_number(&chars, i) => {
                out.push('?');
                i = number_end(&chars, i);
            }
            _ if is_ident_char(c) => {
                let end = find(&chars, i, |ch| !is_ident_char(ch)).unwrap_or(chars.len());
                out.push_str(&collect(&chars[i..end]));
                i = end;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn collect(chars: &[char]) -> String {
    chars.iter().collect()
}

/// The first index ≥ `from` whose char satisfies `pred`.
fn find(chars: &[char], from: usize, pred: impl Fn(char) -> bool) -> Option<usize> {
    (from..chars.len()).find(|&j| pred(chars[j]))
}

pub(super) fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// `E'…'` (backslash escapes): the word just before the quote is `E`/`e`.
fn prefix_is_escape_string(out: &str) -> bool {
    let word = trailing_word(out);
    word.eq_ignore_ascii_case("e")
}

/// Where a literal's prefix starts in `out`: `E'`, `B'`, `X'`, `N'`, `U&'` belong to
/// the literal; any other word before the quote (`interval '1 day'`) stays.
fn literal_prefix_start(out: &str) -> usize {
    let word = trailing_word(out);
    let is_prefix = ["e", "b", "x", "n"]
        .iter()
        .any(|p| word.eq_ignore_ascii_case(p));
    if is_prefix {
        return out.len() - word.len();
    }
    if let Some(stripped) = out.strip_suffix('&') {
        if trailing_word(stripped).eq_ignore_ascii_case("u") {
            return stripped.len() - 1;
        }
    }
    out.len()
}

/// The identifier characters at the end of `out` (the word just written).
fn trailing_word(out: &str) -> &str {
    let start = out
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_ident_char(*c))
        .last()
        .map(|(i, _)| i)
        .unwrap_or(out.len());
    &out[start..]
}

/// The index after the closing `quote` of the literal opening at `start`: a doubled
/// quote is an escaped one, and with `backslashes` so is `\'`. Unterminated: the end.
fn quoted_end(chars: &[char], start: usize, quote: char, backslashes: bool) -> usize {
    let mut j = start + 1;
    while j < chars.len() {
        let c = chars[j];
        if backslashes && c == '\\' {
            j += 2;
            continue;
        }
        if c == quote {
            if chars.get(j + 1) == Some(&quote) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    chars.len()
}

/// Block comments nest in PostgreSQL; the index after the last `*/` (or the end).
fn block_comment_end(chars: &[char], start: usize) -> usize {
    let mut depth = 0usize;
    let mut j = start;
    while j + 1 < chars.len() {
        if chars[j] == '/' && chars[j + 1] == '*' {
            depth += 1;
            j += 2;
        } else if chars[j] == '*' && chars[j + 1] == '/' {
            depth -= 1;
            j += 2;
            if depth == 0 {
                return j;
            }
        } else {
            j += 1;
        }
    }
    chars.len()
}

/// `$tag$` (or `$$`) opening at `start`: the whole tag, dollars included. A tag does
/// not start with a digit (`$1` is a parameter).
fn dollar_tag(chars: &[char], start: usize) -> Option<String> {
    let mut j = start + 1;
    if chars.get(j).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    while let Some(&c) = chars.get(j) {
        if c == '$' {
            return Some(collect(&chars[start..=j]));
        }
        if !(c.is_alphanumeric() || c == '_') {
            return None;
        }
        j += 1;
    }
    None
}

/// The index after the closing `tag` of a dollar-quoted body starting at `from`.
fn dollar_end(chars: &[char], from: usize, tag: &str) -> usize {
    let tag: Vec<char> = tag.chars().collect();
    let mut j = from;
    while j + tag.len() <= chars.len() {
        if chars[j..j + tag.len()] == tag[..] {
            return j + tag.len();
        }
        j += 1;
    }
    chars.len()
}

/// A numeric constant starts with a digit (or `.` and a digit) that is not inside an
/// identifier (`t1`, `col_2`, `$1` are not numbers).
fn starts_number(chars: &[char], i: usize) -> bool {
    let prev_is_ident = i.checked_sub(1).is_some_and(|p| is_ident_char(chars[p]));
    if prev_is_ident {
        return false;
    }
    let c = chars[i];
    let prev_is_dot = i.checked_sub(1).is_some_and(|p| chars[p] == '.');
    c.is_ascii_digit() && !prev_is_dot
        || c == '.'
            && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())
            && !i
                .checked_sub(1)
                .is_some_and(|p| is_ident_char(chars[p]) || chars[p] == '"')
}

/// The index after a numeric constant: digits, `_` separators, one `.`, an exponent,
/// `0x`/`0o`/`0b` prefixes and their digits, and any letters glued to it (`1e10`).
fn number_end(chars: &[char], start: usize) -> usize {
    let mut j = start;
    while let Some(&c) = chars.get(j) {
        let exponent_sign = matches!(c, '+' | '-')
            && j > start
            && matches!(chars[j - 1], 'e' | 'E')
            && chars.get(j + 1).is_some_and(|d| d.is_ascii_digit());
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' || exponent_sign {
            if c == '.' && chars.get(j + 1) == Some(&'.') {
                break; // `1..2` in array slices
            }
            j += 1;
        } else {
            break;
        }
    }
    j
}

#[cfg(test)]
mod tests {
    use super::sql;

    #[test]
    fn string_literals_become_a_question_mark() {
        assert_eq!(
            sql("SELECT * FROM users WHERE email = 'alice@example.com'"),
            "SELECT * FROM users WHERE email = ?"
        );
    }

    #[test]
    fn doubled_quotes_stay_inside_the_literal() {
        assert_eq!(
            sql("UPDATE t SET note = 'it''s o''clock' WHERE id = 7"),
            "UPDATE t SET note = ? WHERE id = ?"
        );
    }

    #[test]
    fn escape_strings_take_backslash_escapes_and_their_prefix() {
        assert_eq!(
            sql(r"SELECT E'a\'b' , e'\\', x FROM t"),
            "SELECT ? , ?, x FROM t"
        );
    }

    #[test]
    fn bit_hex_national_and_unicode_prefixes_belong_to_the_literal() {
        assert_eq!(
            sql("SELECT B'0101', X'ff', N'名前', U&'d\\0061t'"),
            "SELECT ?, ?, ?, ?"
        );
    }

    #[test]
    fn typed_literals_keep_their_type_name() {
        assert_eq!(
            sql("SELECT now() - interval '5 minutes', DATE '2024-01-01'"),
            "SELECT now() - interval ?, DATE ?"
        );
    }

    #[test]
    fn dollar_quoted_bodies_are_masked_whole() {
        assert_eq!(
            sql("DO $$ BEGIN RAISE NOTICE 'x'; END $$; SELECT $fn$it's$fn$"),
            "DO ?; SELECT ?"
        );
    }

    #[test]
    fn numbers_go_identifiers_and_parameters_stay() {
        assert_eq!(
            sql("SELECT t1.c2, 42, -3.5, .5, 1e-10, 0x1F, 1_000 FROM t1 WHERE a = $1 LIMIT 10"),
            "SELECT t1.c2, ?, -?, ?, ?, ?, ? FROM t1 WHERE a = $1 LIMIT ?"
        );
    }

    #[test]
    fn quoted_identifiers_stay_even_with_digits_or_quotes() {
        assert_eq!(
            sql(r#"SELECT "order 2024", "it's" FROM "T""1" WHERE x = 'y'"#),
            r#"SELECT "order 2024", "it's" FROM "T""1" WHERE x = ?"#
        );
    }

    #[test]
    fn comments_keep_words_and_lose_values() {
        assert_eq!(
            sql("SELECT 1 -- don't count user 42\nFROM t /* app='billing' id=7 */"),
            "SELECT ? -- don't count user ?\nFROM t /* app=? id=? */"
        );
    }

    #[test]
    fn a_quote_inside_a_comment_does_not_open_a_literal() {
        assert_eq!(
            sql("/* it's */ SELECT name FROM t WHERE id = 5"),
            "/* it's */ SELECT name FROM t WHERE id = ?"
        );
    }

    #[test]
    fn a_truncated_literal_is_masked_to_the_end() {
        assert_eq!(
            sql("INSERT INTO audit VALUES ('secret token that was cut"),
            "INSERT INTO audit VALUES (?"
        );
    }

    #[test]
    fn casts_arrays_and_schemas_keep_their_names() {
        assert_eq!(
            sql("SELECT a[1:2], b::int4, s3.t_9 FROM s3.t_9 WHERE c IN (1,2)"),
            "SELECT a[?:?], b::int4, s3.t_9 FROM s3.t_9 WHERE c IN (?,?)"
        );
    }
}
