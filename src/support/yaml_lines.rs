//! Where each node of a YAML document starts, so that errors found after
//! deserialising (a bad regex, an unknown variable, an inline password) can
//! name the file *and the line*, as serde's own errors do.
//!
//! Paths are written as string segments: mapping keys by name, sequence items
//! by their decimal index, e.g. `["steps", "3", "findings", "0", "pattern"]`.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser};

/// Line index of one YAML document.
#[derive(Debug, Default, Clone)]
pub(crate) struct YamlLines {
    /// Node path (segments joined by [`SEP`]) → 1-based line.
    lines: HashMap<String, usize>,
}

/// Joins path segments into one map key. A control character cannot occur
/// unescaped in a YAML key, so no two paths join to the same string.
const SEP: char = '\u{1f}';

/// What the walker expects next inside an open collection.
enum Open {
    /// A mapping waiting for its next key.
    MapKey,
    /// A mapping waiting for the value of `key` (`None` for a complex key,
    /// whose subtree cannot be addressed by a path).
    MapValue(Option<String>),
    /// A sequence whose next item has index `next`.
    Seq { next: usize },
}

/// One open collection and the path of the node it is (`None` when the node
/// sits under a complex key and so has no path).
struct Frame {
    path: Option<Vec<String>>,
    open: Open,
}

impl YamlLines {
    /// Index `text`. Never fails: text that does not parse as YAML gives an
    /// index that knows no lines (the deserialiser reports that error itself).
    ///
    /// Only the first document of a stream is indexed.
    pub(crate) fn parse(text: &str) -> YamlLines {
        match index(text) {
            Some(lines) => YamlLines { lines },
            None => YamlLines::default(),
        }
    }

    /// 1-based line of the node at `path`: for a mapping entry, the line of
    /// its key; for a sequence item, the line where the item starts.
    /// `None` when the path does not exist.
    pub(crate) fn line_of(&self, path: &[&str]) -> Option<usize> {
        self.lines.get(&join(path.iter().copied())).copied()
    }

    /// The line of `path`, or of its nearest ancestor that is known (a key
    /// reached through a YAML merge `<<` has no line of its own).
    pub(crate) fn nearest_line_of(&self, path: &[&str]) -> Option<usize> {
        (0..=path.len())
            .rev()
            .find_map(|n| path.get(..n).and_then(|p| self.line_of(p)))
    }
}

fn join<'a>(segments: impl Iterator<Item = &'a str>) -> String {
    let mut key = String::new();
    for (i, segment) in segments.enumerate() {
        if i > 0 {
            key.push(SEP);
        }
        key.push_str(segment);
    }
    key
}

fn child(path: &Option<Vec<String>>, segment: Option<String>) -> Option<Vec<String>> {
    let mut path = path.clone()?;
    path.push(segment?);
    Some(path)
}

/// Walks the event stream of the first document; `None` on a scan error.
fn index(text: &str) -> Option<HashMap<String, usize>> {
    let mut parser = Parser::new_from_str(text);
    let mut lines: HashMap<String, usize> = HashMap::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut record = |path: &Option<Vec<String>>, line: usize| {
        if let Some(path) = path {
            lines
                .entry(join(path.iter().map(String::as_str)))
                .or_insert(line);
        }
    };
    loop {
        let (event, marker) = parser.next_token().ok()?;
        let line = marker.line();
        match event {
            Event::StreamEnd | Event::DocumentEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart => {}
            Event::Scalar(..)
            | Event::Alias(_)
            | Event::MappingStart(..)
            | Event::SequenceStart(..) => {
                let opens = matches!(event, Event::MappingStart(..) | Event::SequenceStart(..));
                // Where this node sits, and whether it is a mapping key.
                let (path, is_key) = match stack.last_mut() {
                    None => {
                        let root = Some(Vec::new());
                        record(&root, line);
                        (root, false)
                    }
                    Some(frame) => match &mut frame.open {
                        Open::MapKey => (None, true),
                        Open::MapValue(key) => (child(&frame.path, key.clone()), false),
                        Open::Seq { next } => {
                            let path = child(&frame.path, Some(next.to_string()));
                            *next += 1;
                            record(&path, line);
                            (path, false)
                        }
                    },
                };
                if opens {
                    let open = if matches!(event, Event::MappingStart(..)) {
                        Open::MapKey
                    } else {
                        Open::Seq { next: 0 }
                    };
                    // A complex key opens a collection with no path; the
                    // owning mapping moves on to its value when it closes.
                    let path = if is_key { None } else { path };
                    stack.push(Frame { path, open });
                } else if is_key {
                    let key = match event {
                        Event::Scalar(text, ..) => Some(text),
                        _ => None,
                    };
                    if let Some(frame) = stack.last_mut() {
                        record(&child(&frame.path, key.clone()), line);
                        frame.open = Open::MapValue(key);
                    }
                } else {
                    finish_node(&mut stack);
                }
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                finish_node(&mut stack);
            }
        }
    }
    Some(lines)
}

/// A node just ended (a scalar, or a collection closed): the enclosing
/// mapping moves from key to value or from value to the next key.
fn finish_node(stack: &mut [Frame]) {
    if let Some(frame) = stack.last_mut() {
        match frame.open {
            Open::MapKey => frame.open = Open::MapValue(None),
            Open::MapValue(_) => frame.open = Open::MapKey,
            Open::Seq { .. } => {}
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn nested_maps() {
        let text = "a:\n  b:\n    c: 1\n  d: 2\ne: 3\n";
        let lines = YamlLines::parse(text);
        assert_eq!(lines.line_of(&[]), Some(1));
        assert_eq!(lines.line_of(&["a"]), Some(1));
        assert_eq!(lines.line_of(&["a", "b"]), Some(2));
        assert_eq!(lines.line_of(&["a", "b", "c"]), Some(3));
        assert_eq!(lines.line_of(&["a", "d"]), Some(4));
        assert_eq!(lines.line_of(&["e"]), Some(5));
        assert_eq!(lines.line_of(&["a", "x"]), None);
        assert_eq!(lines.line_of(&["e", "0"]), None);
    }

    #[test]
    fn sequences_of_maps() {
        let text = "\
name: demo
steps:
  - name: one
    run: show version
  - name: two
    findings:
      - id: f0
        pattern: 'x'
      -
        id: f1
        pattern: y
  - plain
";
        let lines = YamlLines::parse(text);
        assert_eq!(lines.line_of(&["steps"]), Some(2));
        assert_eq!(lines.line_of(&["steps", "0"]), Some(3));
        assert_eq!(lines.line_of(&["steps", "0", "run"]), Some(4));
        assert_eq!(lines.line_of(&["steps", "1"]), Some(5));
        assert_eq!(
            lines.line_of(&["steps", "1", "findings", "0", "pattern"]),
            Some(8)
        );
        assert_eq!(
            lines.line_of(&["steps", "1", "findings", "1", "id"]),
            Some(10)
        );
        assert_eq!(
            lines.line_of(&["steps", "1", "findings", "1", "pattern"]),
            Some(11)
        );
        assert_eq!(lines.line_of(&["steps", "2"]), Some(12));
        assert_eq!(lines.line_of(&["steps", "3"]), None);
    }

    #[test]
    fn indentless_sequence() {
        let text = "steps:\n- a: 1\n- b: 2\n";
        let lines = YamlLines::parse(text);
        assert_eq!(lines.line_of(&["steps", "0", "a"]), Some(2));
        assert_eq!(lines.line_of(&["steps", "1"]), Some(3));
        assert_eq!(lines.line_of(&["steps", "1", "b"]), Some(3));
    }

    #[test]
    fn flow_style() {
        let text = "top: {a: 1,\n  b: [x, {c: 2}],\n  d: [\n    y,\n    z]}\n";
        let lines = YamlLines::parse(text);
        assert_eq!(lines.line_of(&["top", "a"]), Some(1));
        assert_eq!(lines.line_of(&["top", "b"]), Some(2));
        assert_eq!(lines.line_of(&["top", "b", "1", "c"]), Some(2));
        assert_eq!(lines.line_of(&["top", "d", "0"]), Some(4));
        assert_eq!(lines.line_of(&["top", "d", "1"]), Some(5));
    }

    #[test]
    fn keys_with_dots_dashes_and_quotes() {
        let text = "\
hosts:
  esa01.example.com:
    ansible_port: 22
  'esa-02.example.com': ~
  \"quoted key\": {}
  esa[01:12].example.com:
";
        let lines = YamlLines::parse(text);
        assert_eq!(lines.line_of(&["hosts", "esa01.example.com"]), Some(2));
        assert_eq!(
            lines.line_of(&["hosts", "esa01.example.com", "ansible_port"]),
            Some(3)
        );
        assert_eq!(lines.line_of(&["hosts", "esa-02.example.com"]), Some(4));
        assert_eq!(lines.line_of(&["hosts", "quoted key"]), Some(5));
        assert_eq!(lines.line_of(&["hosts", "esa[01:12].example.com"]), Some(6));
    }

    #[test]
    fn complex_keys_do_not_confuse_later_entries() {
        let text = "m:\n  ? [a, b]\n  : {x: 1}\n  after: 2\n";
        let lines = YamlLines::parse(text);
        assert_eq!(lines.line_of(&["m", "after"]), Some(4));
        assert_eq!(lines.line_of(&["m", "x"]), None);
    }

    #[test]
    fn first_document_and_comments() {
        let text = "# comment\n---\na: 1\n...\n---\nb: 2\n";
        let lines = YamlLines::parse(text);
        assert_eq!(lines.line_of(&["a"]), Some(3));
        assert_eq!(lines.line_of(&["b"]), None);
    }

    #[test]
    fn document_that_does_not_parse() {
        let lines = YamlLines::parse("a: 1\nb: [unclosed\nc: 3\n");
        assert_eq!(lines.line_of(&["a"]), None);
        assert_eq!(lines.line_of(&[]), None);
        let lines = YamlLines::parse("a: 1\n  b: 2\n");
        assert_eq!(lines.line_of(&["a"]), None);
    }

    #[test]
    fn empty_document() {
        let lines = YamlLines::parse("");
        assert_eq!(lines.line_of(&["a"]), None);
    }

    #[test]
    fn nearest_line_falls_back_to_ancestor() {
        let lines = YamlLines::parse("a:\n  b: 1\n");
        assert_eq!(lines.nearest_line_of(&["a", "b", "c"]), Some(2));
        assert_eq!(lines.nearest_line_of(&["a", "zz"]), Some(1));
    }
}
