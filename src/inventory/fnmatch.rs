//! Python's `fnmatch` as ansible-core matches a host pattern term with it
//! (`re.compile(fnmatch.translate(term)).match(name)`): `translate` of
//! Python 3.11 step by step, its character classes read as Python's `re`
//! reads the class text `translate` writes. A shell glob library differs
//! on exactly the classes: `^` is literal (only `!` negates), a reversed
//! range is dropped (`[z-a1]` is `[1]`), `[a-c-e]` holds `-`, `[1--3]` is
//! `[3]`, and a class holds any character (`[é]`).

/// One piece of a translated pattern.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    /// `*`: any run of characters.
    Star,
    /// `?`, or a negated empty class `[!]`: any one character.
    Any,
    Literal(char),
    /// A class: negated, and its literals and ranges.
    Class(bool, Vec<(char, char)>),
    /// An empty class (`[]` cannot be one; a class whose ranges all
    /// dropped out): never matches.
    Never,
}

/// A term translated as Python translates it.
#[derive(Debug)]
pub(super) struct Fnmatch(Vec<Piece>);

impl Fnmatch {
    /// `pattern` translated; an error where Python's `re` refuses the
    /// class text (Ansible's "Invalid host list pattern").
    pub(super) fn new(pattern: &str) -> Result<Fnmatch, String> {
        let pat: Vec<char> = pattern.chars().collect();
        let n = pat.len();
        let mut out = Vec::new();
        let mut i = 0;
        while i < n {
            let c = pat[i];
            i += 1;
            match c {
                '*' => {
                    if out.last() != Some(&Piece::Star) {
                        out.push(Piece::Star);
                    }
                }
                '?' => out.push(Piece::Any),
                '[' => {
                    let mut j = i;
                    if j < n && pat[j] == '!' {
                        j += 1;
                    }
                    if j < n && pat[j] == ']' {
                        j += 1;
                    }
                    while j < n && pat[j] != ']' {
                        j += 1;
                    }
                    if j >= n {
                        out.push(Piece::Literal('['));
                        continue;
                    }
                    out.push(class(&pat, i, j)?);
                    i = j + 1;
                }
                c => out.push(Piece::Literal(c)),
            }
        }
        Ok(Fnmatch(out))
    }

    /// Whether `name` matches whole (`\Z`).
    pub(super) fn is_match(&self, name: &str) -> bool {
        let name: Vec<char> = name.chars().collect();
        let pieces = &self.0;
        // reach[k]: the first k characters can be matched so far.
        let mut reach = vec![false; name.len() + 1];
        reach[0] = true;
        for piece in pieces {
            let mut next = vec![false; name.len() + 1];
            for k in 0..=name.len() {
                if !reach[k] {
                    continue;
                }
                if *piece == Piece::Star {
                    next[k..].iter_mut().for_each(|r| *r = true);
                    break;
                }
                if k < name.len() && one(piece, name[k]) {
                    next[k + 1] = true;
                }
            }
            reach = next;
        }
        reach[name.len()]
    }
}

fn one(piece: &Piece, c: char) -> bool {
    match piece {
        Piece::Star | Piece::Any => true,
        Piece::Literal(l) => *l == c,
        Piece::Class(negated, items) => {
            items.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
        }
        Piece::Never => false,
    }
}

/// The class `pat[i..j]` (between `[` and `]`), as `translate` writes its
/// text and `re` then reads it.
fn class(pat: &[char], i: usize, j: usize) -> Result<Piece, String> {
    let stuff: Vec<char> = pat[i..j].to_vec();
    // The class text as `translate` writes it, with `Range` where a `-`
    // is a range operator (every other character is literal in it).
    let mut text: Vec<Option<char>> = Vec::new();
    if !stuff.contains(&'-') {
        text.extend(stuff.iter().copied().map(Some));
    } else {
        let mut chunks: Vec<Vec<char>> = Vec::new();
        let mut i = i;
        let mut k = if pat[i] == '!' { i + 2 } else { i + 1 };
        while let Some(found) = (k..j).find(|&x| pat[x] == '-') {
            chunks.push(pat[i..found].to_vec());
            i = found + 1;
            k = found + 3;
        }
        let chunk = pat[i.min(j)..j].to_vec();
        if chunk.is_empty() {
            if let Some(last) = chunks.last_mut() {
                last.push('-');
            }
        } else {
            chunks.push(chunk);
        }
        // Remove empty ranges, as `translate` does (last to first).
        for k in (1..chunks.len()).rev() {
            let (Some(&last), Some(&first)) = (chunks[k - 1].last(), chunks[k].first()) else {
                return Err("a character class Python cannot translate".to_string());
            };
            if last > first {
                let tail: Vec<char> = chunks[k][1..].to_vec();
                chunks[k - 1].pop();
                chunks[k - 1].extend(tail);
                chunks.remove(k);
            }
        }
        for (n, chunk) in chunks.iter().enumerate() {
            if n > 0 {
                text.push(None);
            }
            text.extend(chunk.iter().copied().map(Some));
        }
    }
    match text.as_slice() {
        [] => return Ok(Piece::Never),
        [Some('!')] => return Ok(Piece::Any),
        _ => {}
    }
    let negated = text[0] == Some('!');
    if negated {
        text.remove(0);
    }
    // `re` reads the class: a literal, or a literal, `-`, a literal.
    let mut items = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let lo = text[at].unwrap_or('-');
        if text.get(at + 1) == Some(&None) {
            match text.get(at + 2) {
                Some(&hi) => {
                    let hi = hi.unwrap_or('-');
                    if hi < lo {
                        return Err(format!(
                            "the character range `{lo}-{hi}` is reversed (Python's re: bad character range)"
                        ));
                    }
                    items.push((lo, hi));
                    at += 3;
                }
                None => {
                    items.extend([(lo, lo), ('-', '-')]);
                    at += 2;
                }
            }
        } else {
            items.push((lo, lo));
            at += 1;
        }
    }
    Ok(Piece::Class(negated, items))
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::Fnmatch;

    /// Each class form, with what Python 3.11's `fnmatch.fnmatchcase`
    /// gives (checked against the venv's Python).
    const CASES: &[(&str, &str, bool)] = &[
        ("web[^1]", "web1", true),
        ("web[^1]", "web2", false),
        ("web[^1]", "web^", true),
        ("web[!1]", "web2", true),
        ("web[!1]", "web1", false),
        ("web[1:-1]", "web1", true),
        ("web[1:-1]", "web:", false),
        ("a[a-c-e]", "a-", true),
        ("a[a-c-e]", "ab", true),
        ("a[a-c-e]", "ad", false),
        ("a[a-c-e]", "ae", true),
        ("a[z-a1]", "a1", true),
        ("a[z-a1]", "az", false),
        ("a[1--3]", "a3", true),
        ("a[1--3]", "a1", false),
        ("a[1--3]", "a-", false),
        ("a[é]", "aé", true),
        ("a[]]", "a]", true),
        ("a[!]]", "ab", true),
        ("a[!]", "a[!]", true),
        ("a[", "a[", true),
        ("a[-]", "a-", true),
        ("a[a-]", "a-", true),
        ("a[!a-c]", "ad", true),
        ("a[!a-c]", "ab", false),
        ("*b?", "abc", true),
        ("*b?", "ab", false),
        ("a*b*c", "aXbYbc", true),
        ("a[\\]", "a\\", true),
        ("a[z-a]", "a", false),
        ("Web*", "web1", false),
    ];

    #[test]
    fn classes_match_as_pythons_fnmatch() {
        for (pattern, name, want) in CASES {
            let m = Fnmatch::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
            assert_eq!(m.is_match(name), *want, "{pattern} ~ {name}: {m:?}");
        }
    }
}
