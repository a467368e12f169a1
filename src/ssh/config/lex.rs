//! A configuration line cut into keyword and arguments byte for byte as
//! OpenSSH 9.2 cuts it (`process_config_line`, misc.c's `strdelim` and
//! `argv_split`). Only the bytes OpenSSH names separate: a Unicode space
//! (NBSP, U+3000), a vertical tab or a form feed inside a line is part of
//! a word, as it is for `ssh`, so a pattern, a user or a path keeps it
//! (and `HostName<NBSP>x` is one unknown keyword, refused as ssh refuses
//! it).

/// readconf.c and misc.c's `WHITESPACE`: the separators of `strdelim`.
const WHITESPACE: [char; 4] = [' ', '\t', '\r', '\n'];

/// What `process_config_line` strips from the end of a line: white space
/// and, there only, a form feed.
const TRAILING: [char; 5] = [' ', '\t', '\r', '\n', '\x0c'];

/// One line, cut.
#[derive(Debug, Clone)]
pub(super) struct Lexed {
    /// As written (its case kept, a quoted part unquoted).
    pub keyword: String,
    /// `argv_split` of the rest: quotes group, `\` escapes, `#` at the
    /// start of a word ends the line.
    pub args: Vec<String>,
    /// The rest after the keyword, as `strdelim` left it: what `Match`
    /// reads with `strdelim` and a command keyword keeps.
    pub rest: String,
}

/// misc.c's `strdelim` (with `=` as a separator): the next word of `s`,
/// ended by white space, one `=` (white space around it skipped) or a
/// double-quoted part, which runs to the next `"`. `None` when a quote is
/// not closed (then nothing is left). `s` becomes `None` when no separator
/// was found (the word was the rest).
pub(super) fn strdelim(s: &mut Option<&str>) -> Option<String> {
    let text = (*s)?;
    let Some(at) = text.find(|c| WHITESPACE.contains(&c) || c == '"' || c == '=') else {
        *s = None;
        return Some(text.to_string());
    };
    if text[at..].starts_with('"') {
        let after = &text[at + 1..];
        let Some(close) = after.find('"') else {
            *s = None;
            return None;
        };
        *s = Some(after[close + 1..].trim_start_matches(WHITESPACE));
        return Some(format!("{}{}", &text[..at], &after[..close]));
    }
    let equals = text[at..].starts_with('=');
    let mut rest = text[at + 1..].trim_start_matches(WHITESPACE);
    // Only one `=` is skipped.
    if !equals && let Some(after) = rest.strip_prefix('=') {
        rest = after.trim_start_matches(WHITESPACE);
    }
    *s = Some(rest);
    Some(text[..at].to_string())
}

/// misc.c's `argv_split` with comments: words separated by spaces and
/// tabs only; `'` and `"` group; `\` escapes a quote, a backslash or
/// (outside quotes) a space; `#` at the start of a word ends the line.
pub(super) fn argv_split(s: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        match chars.peek() {
            None | Some('#') => break,
            Some(_) => {}
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek().copied() {
                    Some(next @ ('\'' | '"' | '\\')) => {
                        word.push(next);
                        chars.next();
                    }
                    Some(' ') if quote.is_none() => {
                        word.push(' ');
                        chars.next();
                    }
                    _ => word.push('\\'),
                },
                ' ' | '\t' if quote.is_none() => break,
                '"' | '\'' if quote.is_none() => quote = Some(c),
                c if Some(c) == quote => quote = None,
                c => word.push(c),
            }
        }
        if quote.is_some() {
            return Err("invalid quotes: unterminated quote".to_string());
        }
        args.push(word);
    }
    Ok(args)
}

/// Cut a line as OpenSSH 9.2's `process_config_line` does: the line ends
/// at a NUL; white space and form feeds are stripped from its end (never
/// its first byte); the keyword is the first `strdelim` word, or the
/// second when the first is empty (a line starting with white space, one
/// `=` or `""`); `None` for a line without a keyword or one starting with
/// `#` (OpenSSH skips it, and so does a keyword whose quote is not
/// closed). `Err`: a keyword with nothing after it, or quotes `argv_split`
/// cannot close. The arguments are `argv_split` of the rest (a command
/// keyword keeps the rest itself: see [`command`]).
pub(super) fn split_line(line: &str) -> Result<Option<Lexed>, String> {
    let line = line.split('\0').next().unwrap_or_default();
    let Some(first) = line.chars().next() else {
        return Ok(None);
    };
    let tail = line[first.len_utf8()..].trim_end_matches(TRAILING);
    let line = &line[..first.len_utf8() + tail.len()];
    let mut s = Some(line);
    let mut keyword = strdelim(&mut s);
    if keyword.as_deref() == Some("") {
        keyword = strdelim(&mut s);
    }
    let Some(keyword) = keyword.filter(|k| !k.is_empty() && !k.starts_with(['\n', '#'])) else {
        return Ok(None);
    };
    let rest = s.map(|r| r.trim_start_matches(WHITESPACE)).unwrap_or("");
    if rest.is_empty() {
        return Err(format!(
            "no argument after keyword \"{}\"",
            keyword.to_ascii_lowercase()
        ));
    }
    let args = argv_split(rest)?;
    Ok(Some(Lexed {
        keyword,
        args,
        rest: rest.to_string(),
    }))
}

/// What a command keyword (`ProxyCommand`, `ProxyJump`, `LocalCommand`,
/// ...) keeps: the rest of the line with white space and every `=` at its
/// start skipped (readconf.c's `strspn(str, WHITESPACE "=")`), `#` and
/// quotes as written.
pub(super) fn command(rest: &str) -> &str {
    rest.trim_start_matches(|c| WHITESPACE.contains(&c) || c == '=')
}
