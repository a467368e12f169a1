//! PowerShell's CLIXML on stderr, as plain text. `powershell.exe
//! -EncodedCommand` whose stderr is redirected (an SSH exec request) writes
//! its error and progress records as serialized objects: `#< CLIXML`, then
//! an `<Objs>` element, possibly several such blocks, between plain text
//! that native programs wrote to the same stream (docs/DEVICES.md).
//!
//! Each `<S>` of the top level is one message of a stream (`S="Error"`,
//! `S="warning"`, ...) and becomes its text; objects (`<Obj S="progress">`:
//! "Preparing modules for first use.") are progress, not output, and are
//! dropped. Characters XML cannot carry are escaped as `_xHHHH_` (UTF-16
//! code units, `_x000D__x000A_` for CRLF). A block that does not parse is
//! kept as it came: nothing an endpoint said is lost.

use quick_xml::Reader;
use quick_xml::events::Event;

const MARKER: &str = "#< CLIXML";

/// `stderr` with every CLIXML block replaced by the text of its messages.
pub(crate) fn to_text(stderr: &str) -> String {
    let mut out = String::with_capacity(stderr.len());
    let mut rest = stderr;
    while let Some(at) = rest.find(MARKER) {
        out.push_str(&rest[..at]);
        let after = &rest[at + MARKER.len()..];
        let body = after
            .strip_prefix("\r\n")
            .or_else(|| after.strip_prefix('\n'))
            .unwrap_or(after);
        match messages(body) {
            Some((text, used)) => {
                out.push_str(&text);
                rest = &body[used..];
            }
            None => {
                out.push_str(&rest[at..]);
                return out;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text of the messages in the `<Objs>` element that starts `xml`, and
/// the bytes that element took; `None` when it is no such element.
fn messages(xml: &str) -> Option<(String, usize)> {
    let mut reader = Reader::from_str(xml);
    let mut out = String::new();
    let mut depth = 0usize;
    // The raw text of the `<S>` being read, before `_xHHHH_` decoding.
    let mut message: Option<String> = None;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => {
                if depth == 0 && e.name().as_ref() != b"Objs" {
                    return None;
                }
                depth += 1;
                if depth == 2 && e.name().as_ref() == b"S" {
                    message = Some(String::new());
                }
            }
            Event::End(_) => {
                if depth == 2
                    && let Some(raw) = message.take()
                {
                    out.push_str(&unescape(&raw));
                }
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    let used = usize::try_from(reader.buffer_position()).ok()?;
                    return Some((out, used));
                }
            }
            Event::Text(t) => {
                if let Some(raw) = message.as_mut() {
                    raw.push_str(&t.decode().ok()?);
                } else if depth == 0 && !t.decode().ok()?.trim().is_empty() {
                    return None;
                }
            }
            Event::GeneralRef(r) => {
                if let Some(raw) = message.as_mut() {
                    match r.resolve_char_ref().ok()? {
                        Some(c) => raw.push(c),
                        None => {
                            let name = r.decode().ok()?;
                            raw.push_str(quick_xml::escape::resolve_predefined_entity(&name)?);
                        }
                    }
                }
            }
            Event::Empty(_) if depth == 0 => return None,
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// Decodes `_xHHHH_` escapes (UTF-16 code units, so a character outside
/// the BMP is two of them).
fn unescape(raw: &str) -> String {
    let mut units: Vec<u16> = Vec::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find("_x") {
        let (before, from) = rest.split_at(at);
        units.extend(before.encode_utf16());
        let escaped = from
            .get(2..6)
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .filter(|_| from.as_bytes().get(6) == Some(&b'_'))
            .and_then(|hex| u16::from_str_radix(hex, 16).ok());
        match escaped {
            Some(unit) => {
                units.push(unit);
                rest = &from[7..];
            }
            None => {
                units.extend("_x".encode_utf16());
                rest = &from[2..];
            }
        }
    }
    units.extend(rest.encode_utf16());
    String::from_utf16_lossy(&units)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OBJS: &str =
        r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">"#;

    /// The record Windows PowerShell 5.1 writes the first time a module
    /// loads, with `$ProgressPreference` left at `Continue`.
    const PROGRESS: &str = r#"<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first use.</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj>"#;

    fn error(line: &str) -> String {
        format!(r#"<S S="Error">{line}_x000D__x000A_</S>"#)
    }

    #[test]
    fn an_error_record_becomes_its_lines() {
        let stderr = format!(
            "#< CLIXML\r\n{OBJS}{PROGRESS}{}{}{}</Objs>",
            error("Resolve-DnsName : tetra-defs.amp.cisco.com : DNS name does not exist"),
            error("At line:2 char:1"),
            error("+ Resolve-DnsName -Name tetra-defs.amp.cisco.com"),
        );
        assert_eq!(
            to_text(&stderr),
            "Resolve-DnsName : tetra-defs.amp.cisco.com : DNS name does not exist\r\n\
             At line:2 char:1\r\n\
             + Resolve-DnsName -Name tetra-defs.amp.cisco.com\r\n"
        );
    }

    #[test]
    fn repeated_blocks_and_plain_text_between_them_keep_their_order() {
        let stderr = format!(
            "*   Trying 3.122.217.64:443...\r\n#< CLIXML\r\n{OBJS}{PROGRESS}</Objs>#< CLIXML\r\n{OBJS}{}</Objs>curl: (28) timed out\r\n",
            error("Select-Xml : Cannot find path"),
        );
        assert_eq!(
            to_text(&stderr),
            "*   Trying 3.122.217.64:443...\r\nSelect-Xml : Cannot find path\r\ncurl: (28) timed out\r\n"
        );
    }

    #[test]
    fn xml_entities_and_escapes_are_decoded() {
        let stderr = format!(
            r#"#< CLIXML
{OBJS}<S S="Error">a &lt;b&gt; &amp; &#233; _x005F_x000D_ tab_x0009_end _xD83D__xDE00_</S><S S="warning">careful_x000A_</S></Objs>"#
        );
        assert_eq!(to_text(&stderr), "a <b> & é _x000D_ tab\tend 😀careful\n");
    }

    #[test]
    fn what_is_not_clixml_is_kept_as_it_came() {
        for stderr in [
            "plain error text\r\n".to_string(),
            format!("#< CLIXML\r\n{OBJS}{}", error("cut short")),
            "#< CLIXML\r\nnot xml at all".to_string(),
            "#< CLIXML\r\n<Other/>".to_string(),
        ] {
            assert_eq!(to_text(&stderr), stderr);
        }
        assert_eq!(unescape("_x12_ _xZZZZ_ _x"), "_x12_ _xZZZZ_ _x");
    }
}
