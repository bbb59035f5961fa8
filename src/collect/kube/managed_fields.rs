//! `managedFields` cut out of a LIST page before the watcher decodes it. An API server
//! writes into every object's metadata which manager set which field (server-side
//! apply): a tree the console never reads, 45 % of a page of kube-sim's pods and as
//! much on real clusters. serde skips it, but skipping is a scan of every byte on the
//! watcher's task, the one the whole sync waits for. Found here with one `memmem`
//! search over the page and one scan of each such value, on the read-ahead task
//! (`prefetch`), beside the decoding of the page before.
//!
//! Valid JSON in, valid JSON out: only a member named exactly `"managedFields"` whose
//! value is an array, an object or `null` is cut, with its comma. In valid JSON such a
//! quote after `{` or `,` opens a key (a quote inside a string is escaped, so it follows
//! a backslash). Anything else — another spacing, an escaped name, a value that does not
//! end — is left for serde to skip or to reject as before.

use memchr::memmem;

const KEY: &[u8] = b"\"managedFields\"";

/// Cuts every `managedFields` member out of `body`, in place.
pub fn strip(body: &mut Vec<u8>) {
    let finder = memmem::Finder::new(KEY);
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    let mut from = 0;
    while let Some(found) = finder.find(&body[from..]) {
        let at = from + found;
        match member_at(body, at, from) {
            Some((start, end)) => {
                cuts.push((start, end));
                from = end;
            }
            None => from = at + KEY.len(),
        }
    }
    let Some(&(first, _)) = cuts.first() else {
        return;
    };
    // Each kept run moves left over the cuts before it.
    let mut write = first;
    for (i, &(_, end)) in cuts.iter().enumerate() {
        let next = cuts.get(i + 1).map_or(body.len(), |&(start, _)| start);
        body.copy_within(end..next, write);
        write += next - end;
    }
    body.truncate(write);
}

/// The bytes to cut for the key at `at`: the member and the comma that joins it to
/// another, or `None` when it is no member to cut. Nothing before `floor` (the end of
/// the last cut) is taken.
fn member_at(body: &[u8], at: usize, floor: usize) -> Option<(usize, usize)> {
    let before = back_over_space(body, at, floor)?;
    let colon = over_space(body, at + KEY.len());
    if body.get(colon) != Some(&b':') {
        return None;
    }
    let value = over_space(body, colon + 1);
    let end = value_end(body, value)?;
    match body[before] {
        b',' => Some((before, end)),
        b'{' => {
            let next = over_space(body, end);
            match body.get(next)? {
                b',' => Some((at, next + 1)),
                b'}' => Some((at, end)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

fn over_space(body: &[u8], mut i: usize) -> usize {
    while body.get(i).copied().is_some_and(is_space) {
        i += 1;
    }
    i
}

/// Where the byte before `at`, spaces aside, is: `None` at `floor`.
fn back_over_space(body: &[u8], mut at: usize, floor: usize) -> Option<usize> {
    while at > floor {
        at -= 1;
        if !is_space(body[at]) {
            return Some(at);
        }
    }
    None
}

/// Where the array, object or `null` starting at `start` ends (one past it).
fn value_end(body: &[u8], start: usize) -> Option<usize> {
    match body.get(start)? {
        b'n' => body[start..].starts_with(b"null").then_some(start + 4),
        b'[' | b'{' => {
            let mut depth = 0usize;
            let mut i = start;
            while i < body.len() {
                match body[i] {
                    b'"' => i = string_end(body, i + 1)?,
                    b'[' | b'{' => {
                        depth += 1;
                        i += 1;
                    }
                    b']' | b'}' => {
                        depth -= 1;
                        i += 1;
                        if depth == 0 {
                            return Some(i);
                        }
                    }
                    _ => i += 1,
                }
            }
            None
        }
        _ => None,
    }
}

/// One past the quote that closes the string whose text starts at `i`.
fn string_end(body: &[u8], mut i: usize) -> Option<usize> {
    loop {
        i += memchr::memchr2(b'"', b'\\', body.get(i..)?)?;
        if body[i] == b'"' {
            return Some(i + 1);
        }
        i += 2;
    }
}

#[cfg(test)]
#[path = "managed_fields_tests.rs"]
mod tests;
