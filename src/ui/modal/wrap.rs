//! Word wrapping for dialogs that size to their content: the lines are wrapped here, not
//! by ratatui, so a dialog knows its height before it is drawn and never cuts off the
//! command it will run.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `text` in lines of at most `first` columns (the first line) and `rest` columns (the
/// others, after a hanging indent), broken at spaces; a word longer than a line (an ARN,
/// a JSON patch) is broken inside it. Never returns an empty list.
pub fn wrap(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut used = 0usize;
    let limit = |lines: &Vec<String>| if lines.is_empty() { first } else { rest }.max(1);
    for word in text.split(' ') {
        let w = word.width();
        if used > 0 && used + 1 + w <= limit(&lines) {
            line.push(' ');
            line.push_str(word);
            used += 1 + w;
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        for ch in word.chars() {
            let cw = ch.width().unwrap_or(0);
            if used + cw > limit(&lines) && used > 0 {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(ch);
            used += cw;
        }
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn breaks_at_spaces_with_a_hanging_width() {
        assert_eq!(
            wrap("aws elbv2 deregister-targets --targets Id=i-1", 12, 10),
            vec!["aws elbv2", "deregister", "-targets", "--targets", "Id=i-1"]
        );
    }

    #[test]
    fn long_words_are_split_and_nothing_is_lost() {
        let arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/kitops-api/6d0e";
        let lines = wrap(&format!("--target-group-arn {arn} --x 1"), 30, 30);
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{lines:?}");
        assert_eq!(
            lines.concat().replace(' ', ""),
            format!("--target-group-arn{arn}--x1")
        );
    }

    #[test]
    fn short_text_is_one_line() {
        assert_eq!(wrap("ok", 10, 10), vec!["ok"]);
        assert_eq!(wrap("", 10, 10), vec![""]);
    }
}
