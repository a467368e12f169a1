//! Reading a condition: a lexer that keeps each token's column, and a
//! recursive-descent parser with bounded nesting, so an error points at
//! the column and hostile input cannot overflow the stack.

use super::{CmpOp, Expr, Literal, Value, WhenError};

/// Parse `source` into its syntax tree.
pub(super) fn parse(source: &str) -> Result<Expr, WhenError> {
    let tokens = lex(source)?;
    let end_column = source.chars().count() + 1;
    let mut parser = Parser {
        tokens: &tokens,
        pos: 0,
        depth: 0,
        end_column,
    };
    parser.condition()
}

// ---------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Cmp(CmpOp),
    Not,
    And,
    Or,
    Defined,
    True,
    False,
    Name(String),
    /// A plain decimal (`15`, `15.0`): its value and how it was written.
    Number(f64, String),
    /// A version with more than one separator or a dash (`15.0.1-012`).
    Version(String),
    Str(String),
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::LParen => "`(`".to_string(),
            Tok::RParen => "`)`".to_string(),
            Tok::Cmp(op) => format!("`{}`", op.symbol()),
            Tok::Not => "`not`".to_string(),
            Tok::And => "`and`".to_string(),
            Tok::Or => "`or`".to_string(),
            Tok::Defined => "`defined`".to_string(),
            Tok::True => "`true`".to_string(),
            Tok::False => "`false`".to_string(),
            Tok::Name(name) => format!("name `{name}`"),
            Tok::Number(_, text) | Tok::Version(text) => format!("`{text}`"),
            Tok::Str(text) => format!("string {text:?}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    tok: Tok,
    /// 1-based column (in characters) of the token's first character.
    column: usize,
}

fn syntax(column: usize, message: impl Into<String>) -> WhenError {
    WhenError::Syntax {
        column,
        message: message.into(),
    }
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_segment_char(c: char) -> bool {
    is_name_char(c) || c == '-'
}

fn lex(source: &str) -> Result<Vec<Token>, WhenError> {
    let chars: Vec<char> = source.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(c) = at(i) {
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let next = at(i + 1);
        let (tok, len) = match c {
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            '=' if next == Some('=') => (Tok::Cmp(CmpOp::Eq), 2),
            '!' if next == Some('=') => (Tok::Cmp(CmpOp::Ne), 2),
            '<' if next == Some('=') => (Tok::Cmp(CmpOp::Le), 2),
            '>' if next == Some('=') => (Tok::Cmp(CmpOp::Ge), 2),
            '<' => (Tok::Cmp(CmpOp::Lt), 1),
            '>' => (Tok::Cmp(CmpOp::Gt), 1),
            '=' => {
                return Err(syntax(
                    column,
                    "`=` is not a comparison; use `==` to test equality",
                ));
            }
            '!' => {
                return Err(syntax(column, "use `not` to negate (or `!=` to compare)"));
            }
            '&' => return Err(syntax(column, "use `and` instead of `&`/`&&`")),
            '|' => return Err(syntax(column, "use `or` instead of `|`/`||`")),
            '\'' | '"' => {
                let (text, len) = lex_string(&chars, i, c)?;
                (Tok::Str(text), len)
            }
            c if c.is_ascii_digit() => {
                let len = number_len(&chars, i);
                if let Some(after) = at(i + len)
                    && (is_segment_char(after) || after == '.')
                {
                    return Err(syntax(
                        column,
                        format!(
                            "malformed number or version near `{}`; versions are digits \
                             separated by `.` or `-`",
                            chars[i..=i + len].iter().collect::<String>()
                        ),
                    ));
                }
                let text: String = chars[i..i + len].iter().collect();
                let tok = if text.contains('-') || text.matches('.').count() > 1 {
                    Tok::Version(text)
                } else {
                    match text.parse::<f64>() {
                        Ok(n) => Tok::Number(n, text),
                        Err(_) => Tok::Version(text),
                    }
                };
                (tok, len)
            }
            c if is_name_start(c) => {
                let (tok, len) = lex_name(&chars, i)?;
                (tok, len)
            }
            '-' => {
                return Err(syntax(
                    column,
                    "unexpected `-`: there is no arithmetic; a `-` may only appear inside \
                     a dotted name segment (`finding.ecs-token-403`) or a version (`15.0.1-012`)",
                ));
            }
            other => return Err(syntax(column, format!("unexpected character `{other}`"))),
        };
        tokens.push(Token { tok, column });
        i += len;
    }
    Ok(tokens)
}

/// Length of the number/version starting at `start`: digit runs joined by
/// single `.` or `-` separators (a separator only counts if a digit follows).
fn number_len(chars: &[char], start: usize) -> usize {
    let digit_at = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    let mut i = start;
    loop {
        while digit_at(i) {
            i += 1;
        }
        match chars.get(i) {
            Some('.' | '-') if digit_at(i + 1) => i += 1,
            _ => return i - start,
        }
    }
}

fn lex_name(chars: &[char], start: usize) -> Result<(Tok, usize), WhenError> {
    let mut i = start + 1;
    while chars.get(i).copied().is_some_and(is_name_char) {
        i += 1;
    }
    let mut dotted = false;
    while chars.get(i) == Some(&'.') {
        dotted = true;
        let segment_start = i + 1;
        i = segment_start;
        while chars.get(i).copied().is_some_and(is_segment_char) {
            i += 1;
        }
        if i == segment_start {
            return Err(syntax(
                segment_start + 1,
                "expected a name segment after `.`",
            ));
        }
    }
    let text: String = chars[start..i].iter().collect();
    let tok = match text.as_str() {
        _ if dotted => Tok::Name(text),
        "not" => Tok::Not,
        "and" => Tok::And,
        "or" => Tok::Or,
        "defined" => Tok::Defined,
        "true" => Tok::True,
        "false" => Tok::False,
        _ => Tok::Name(text),
    };
    Ok((tok, i - start))
}

/// A single- or double-quoted string starting at `start`. Inside, `\` escapes
/// the quote character and `\` itself; any other `\x` is kept as written.
fn lex_string(chars: &[char], start: usize, quote: char) -> Result<(String, usize), WhenError> {
    let mut text = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => {
                return Err(syntax(
                    start + 1,
                    format!("unterminated string: no closing `{quote}`"),
                ));
            }
            Some(&c) if c == quote => return Ok((text, i + 1 - start)),
            Some('\\') => match chars.get(i + 1) {
                Some(&e) if e == quote || e == '\\' => {
                    text.push(e);
                    i += 2;
                }
                _ => {
                    text.push('\\');
                    i += 1;
                }
            },
            Some(&c) => {
                text.push(c);
                i += 1;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Parser

/// How deeply `(` and `not` may nest; bounds recursion on hostile input.
pub(super) const MAX_NESTING: usize = 64;

struct Parser<'t> {
    tokens: &'t [Token],
    pos: usize,
    /// Current nesting of `(` and `not`.
    depth: usize,
    /// Column just past the end of the source, for "ended too early" errors.
    end_column: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<&Token> {
        let token = self.tokens.get(self.pos);
        if token.is_some() {
            self.pos += 1;
        }
        token
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek().is_some_and(|t| &t.tok == tok) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn condition(&mut self) -> Result<Expr, WhenError> {
        if self.tokens.is_empty() {
            return Err(syntax(1, "empty condition"));
        }
        let expr = self.or()?;
        match self.peek() {
            None => Ok(expr),
            Some(Token {
                tok: Tok::RParen,
                column,
            }) => Err(syntax(*column, "unmatched `)`")),
            Some(token) => Err(syntax(
                token.column,
                format!(
                    "unexpected {} after a complete condition (missing `and`/`or`?)",
                    token.tok.describe()
                ),
            )),
        }
    }

    fn or(&mut self) -> Result<Expr, WhenError> {
        let mut operands = vec![self.and()?];
        while self.eat(&Tok::Or) {
            operands.push(self.and()?);
        }
        Ok(if operands.len() == 1 {
            operands.swap_remove(0)
        } else {
            Expr::Or(operands)
        })
    }

    fn and(&mut self) -> Result<Expr, WhenError> {
        let mut operands = vec![self.unary()?];
        while self.eat(&Tok::And) {
            operands.push(self.unary()?);
        }
        Ok(if operands.len() == 1 {
            operands.swap_remove(0)
        } else {
            Expr::And(operands)
        })
    }

    fn compare(&mut self) -> Result<Expr, WhenError> {
        let left = self.primary()?;
        let Some(&Token {
            tok: Tok::Cmp(op), ..
        }) = self.peek()
        else {
            return Ok(left);
        };
        self.pos += 1;
        let right = self.primary()?;
        if let Some(&Token {
            tok: Tok::Cmp(_),
            column,
        }) = self.peek()
        {
            return Err(syntax(
                column,
                "comparisons cannot be chained; join them with `and`",
            ));
        }
        Ok(Expr::Compare(Box::new(left), op, Box::new(right)))
    }

    /// `not` binds looser than a comparison, as in Python and Jinja (so
    /// Ansible users read `not x == 'a'` as `not (x == 'a')`).
    fn unary(&mut self) -> Result<Expr, WhenError> {
        if self.eat(&Tok::Not) {
            self.nested(|p| Ok(Expr::Not(Box::new(p.unary()?))))
        } else {
            self.compare()
        }
    }

    /// Run `inner` one nesting level deeper, failing past [`MAX_NESTING`].
    fn nested(
        &mut self,
        inner: impl FnOnce(&mut Self) -> Result<Expr, WhenError>,
    ) -> Result<Expr, WhenError> {
        if self.depth >= MAX_NESTING {
            let column = self
                .tokens
                .get(self.pos.saturating_sub(1))
                .map_or(1, |t| t.column);
            return Err(syntax(
                column,
                format!("nested more than {MAX_NESTING} levels deep"),
            ));
        }
        self.depth += 1;
        let result = inner(self);
        self.depth -= 1;
        result
    }

    fn primary(&mut self) -> Result<Expr, WhenError> {
        let end_column = self.end_column;
        let Some(token) = self.next() else {
            return Err(syntax(
                end_column,
                "condition ends where a value was expected",
            ));
        };
        let column = token.column;
        let literal = |value: Value, written: Option<&str>| {
            Ok(Expr::Literal(Literal {
                value,
                written: written.map(str::to_string),
            }))
        };
        match &token.tok {
            Tok::True => literal(Value::Bool(true), None),
            Tok::False => literal(Value::Bool(false), None),
            Tok::Number(n, text) => literal(Value::Number(*n), Some(text)),
            Tok::Version(text) => literal(Value::Text(text.clone()), Some(text)),
            Tok::Str(text) => literal(Value::Text(text.clone()), None),
            Tok::Name(name) => Ok(Expr::Name(name.clone())),
            Tok::LParen => self.nested(|p| {
                let inner = p.or()?;
                p.close_paren(column)?;
                Ok(inner)
            }),
            Tok::Defined => self.defined(),
            other => Err(syntax(
                column,
                format!(
                    "expected a value (name, literal, `not`, `defined(...)` or `(`), found {}",
                    other.describe()
                ),
            )),
        }
    }

    /// `defined` `(` NAME `)`, with `defined` already consumed.
    fn defined(&mut self) -> Result<Expr, WhenError> {
        let end_column = self.end_column;
        let open_column = match self.next() {
            Some(Token {
                tok: Tok::LParen,
                column,
            }) => *column,
            Some(token) => {
                return Err(syntax(token.column, "expected `(` after `defined`"));
            }
            None => return Err(syntax(end_column, "expected `(` after `defined`")),
        };
        let name = match self.next() {
            Some(Token {
                tok: Tok::Name(name),
                ..
            }) => name.clone(),
            Some(token) => {
                return Err(syntax(
                    token.column,
                    format!(
                        "`defined(...)` takes a variable name, found {}",
                        token.tok.describe()
                    ),
                ));
            }
            None => return Err(syntax(end_column, "`defined(...)` takes a variable name")),
        };
        self.close_paren(open_column)?;
        Ok(Expr::Defined(name))
    }

    fn close_paren(&mut self, open_column: usize) -> Result<(), WhenError> {
        let message = format!("missing `)` to close the `(` at column {open_column}");
        match self.next() {
            Some(Token {
                tok: Tok::RParen, ..
            }) => Ok(()),
            Some(token) => {
                let found = token.tok.describe();
                Err(syntax(token.column, format!("{message}, found {found}")))
            }
            None => Err(syntax(self.end_column, message)),
        }
    }
}
