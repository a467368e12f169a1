//! What Windows writes, as text: native programs write in the console's
//! code page (IBM 850 on Western European Windows) or the ANSI one
//! (Windows-1252), PowerShell may write UTF-16LE (docs/DEVICES.md). An exec
//! request's output is decoded here before any step judges it, so a French
//! or German message reads as it was written; the verdicts themselves read
//! codes, which are ASCII in every code page.
//!
//! Which code page wrote a line is not said on the wire. A stream is
//! UTF-16LE when it starts with its byte order mark or its odd bytes are
//! (nearly) all zero; otherwise a line that is valid UTF-8 is UTF-8, and
//! any other line is read in whichever of cp850 and cp1252 gives it the
//! more letters (accented letters in messages are mostly lowercase; box
//! drawing, symbols and controls count against), cp850 on a tie. A line
//! of one word can be read wrongly (`ç` in cp1252 is `þ` in cp850); the
//! codes around it never are.

use std::borrow::Cow;

/// Bytes 0x80 to 0xFF of Windows-1252, as Python's `cp1252` codec maps
/// them (the five bytes it leaves undefined: the C1 controls of the same
/// value, as Windows does).
const CP1252_HIGH: &str = "€\u{81}‚ƒ„…†‡ˆ‰Š‹Œ\u{8d}Ž\u{8f}\u{90}‘’“”•–—˜™š›œ\u{9d}žŸ\u{a0}¡¢£¤¥¦§¨©ª«¬\u{ad}®¯°±²³´µ¶·¸¹º»¼½¾¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ";
/// Bytes 0x80 to 0xFF of IBM 850, as Python's `cp850` codec maps them.
const CP850_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u{ad}±‗¾¶§÷¸°¨·¹³²■\u{a0}";

/// One exec stream's bytes as text.
pub(crate) fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some(text) = utf16le(bytes) {
        return Cow::Owned(text);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(bytes.len());
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        match std::str::from_utf8(line) {
            Ok(text) => out.push_str(text),
            Err(_) => out.push_str(&single_byte(line)),
        }
    }
    Cow::Owned(out)
}

/// UTF-16LE text, if the stream is that: a byte order mark, or an even
/// length with at least three quarters of the odd bytes zero and at most a
/// quarter of the even ones.
fn utf16le(bytes: &[u8]) -> Option<String> {
    let body = match bytes.strip_prefix(&[0xff, 0xfe]) {
        Some(body) => body,
        None => {
            if bytes.len() < 2 || !bytes.len().is_multiple_of(2) {
                return None;
            }
            let pairs = bytes.len() / 2;
            let zero_odd = bytes.chunks_exact(2).filter(|p| p[1] == 0).count();
            let zero_even = bytes.chunks_exact(2).filter(|p| p[0] == 0).count();
            if zero_odd * 4 < pairs * 3 || zero_even * 4 > pairs {
                return None;
            }
            bytes
        }
    };
    let units: Vec<u16> = body
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    Some(String::from_utf16_lossy(&units))
}

/// One line in the more likely of cp850 and cp1252.
fn single_byte(line: &[u8]) -> String {
    let cp850 = read(line, CP850_HIGH);
    let cp1252 = read(line, CP1252_HIGH);
    if score(&cp1252) > score(&cp850) {
        cp1252
    } else {
        cp850
    }
}

fn read(line: &[u8], high: &str) -> String {
    let high: Vec<char> = high.chars().collect();
    line.iter()
        .map(|&b| {
            if b.is_ascii() {
                char::from(b)
            } else {
                high.get(usize::from(b - 0x80))
                    .copied()
                    .unwrap_or('\u{fffd}')
            }
        })
        .collect()
}

/// How much a reading looks like text: its non-ASCII characters, a
/// lowercase letter 2, another letter 1, anything else -1.
fn score(text: &str) -> i64 {
    text.chars()
        .filter(|c| !c.is_ascii())
        .map(|c| {
            if c.is_lowercase() {
                2
            } else if c.is_alphabetic() {
                1
            } else {
                -1
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap_or_default())
            .collect()
    }

    /// Lines of French and German Windows messages, encoded by Python's
    /// `cp850` and `cp1252` codecs (the reference): each decodes back.
    #[test]
    fn french_and_german_lines_in_either_code_page_read_as_written() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "cp1252",
                "curl: (35) schannel: next InitializeSecurityContext failed: Unknown error (0x80092013) - La fonction de révocation n'a pas pu vérifier la révocation car le serveur de révocation était hors connexion.",
                "6375726c3a202833352920736368616e6e656c3a206e65787420496e697469616c697a655365637572697479436f6e74657874206661696c65643a20556e6b6e6f776e206572726f7220283078383030393230313329202d204c6120666f6e6374696f6e2064652072e9766f636174696f6e206e2761207061732070752076e9726966696572206c612072e9766f636174696f6e20636172206c6520736572766575722064652072e9766f636174696f6e20e97461697420686f727320636f6e6e6578696f6e2e",
            ),
            (
                "cp850",
                "curl: (35) schannel: next InitializeSecurityContext failed: Unknown error (0x80092013) - La fonction de révocation n'a pas pu vérifier la révocation car le serveur de révocation était hors connexion.",
                "6375726c3a202833352920736368616e6e656c3a206e65787420496e697469616c697a655365637572697479436f6e74657874206661696c65643a20556e6b6e6f776e206572726f7220283078383030393230313329202d204c6120666f6e6374696f6e206465207282766f636174696f6e206e276120706173207075207682726966696572206c61207282766f636174696f6e20636172206c652073657276657572206465207282766f636174696f6e20827461697420686f727320636f6e6e6578696f6e2e",
            ),
            (
                "cp1252",
                "Die Sperrfunktion konnte die Sperrung nicht überprüfen, da der Sperrserver offline war.",
                "44696520537065727266756e6b74696f6e206b6f6e6e746520646965205370657272756e67206e6963687420fc6265727072fc66656e2c20646120646572205370657272736572766572206f66666c696e65207761722e",
            ),
            (
                "cp850",
                "Die Sperrfunktion konnte die Sperrung nicht überprüfen, da der Sperrserver offline war.",
                "44696520537065727266756e6b74696f6e206b6f6e6e746520646965205370657272756e67206e69636874208162657270728166656e2c20646120646572205370657272736572766572206f66666c696e65207761722e",
            ),
            (
                "cp850",
                "Au caractère Ligne:1 : 1",
                "4175206361726163748a7265204c69676e653a31203a2031",
            ),
            (
                "cp1252",
                "Au caractère Ligne:1 : 1",
                "417520636172616374e87265204c69676e653a31203a2031",
            ),
            (
                "cp850",
                "Die Benennung \"curl.exe\" wurde nicht als Name eines Cmdlet, einer Funktion, einer Skriptdatei oder eines ausführbaren Programms erkannt.",
                "4469652042656e656e6e756e6720226375726c2e65786522207775726465206e6963687420616c73204e616d652065696e657320436d646c65742c2065696e65722046756e6b74696f6e2c2065696e657220536b726970746461746569206f6465722065696e65732061757366816872626172656e2050726f6772616d6d732065726b616e6e742e",
            ),
            (
                "cp1252",
                "Le terme «curl.exe» n'est pas reconnu comme nom d'applet de commande, fonction, fichier de script ou programme exécutable.",
                "4c65207465726d6520ab6375726c2e657865bb206e2765737420706173207265636f6e6e7520636f6d6d65206e6f6d2064276170706c657420646520636f6d6d616e64652c20666f6e6374696f6e2c206669636869657220646520736372697074206f752070726f6772616d6d65206578e963757461626c652e",
            ),
            (
                "cp850",
                "Le terme «curl.exe» n'est pas reconnu comme nom d'applet de commande, fonction, fichier de script ou programme exécutable.",
                "4c65207465726d6520ae6375726c2e657865af206e2765737420706173207265636f6e6e7520636f6d6d65206e6f6d2064276170706c657420646520636f6d6d616e64652c20666f6e6374696f6e2c206669636869657220646520736372697074206f752070726f6772616d6d652065788263757461626c652e",
            ),
            (
                "cp850",
                "Größe der Straße",
                "477294e165206465722053747261e165",
            ),
            (
                "cp1252",
                "Größe der Straße",
                "4772f6df65206465722053747261df65",
            ),
            (
                "cp850",
                "Échec de la connexion au serveur proxy",
                "9063686563206465206c6120636f6e6e6578696f6e20617520736572766575722070726f7879",
            ),
            (
                "cp1252",
                "Échec de la connexion au serveur proxy",
                "c963686563206465206c6120636f6e6e6578696f6e20617520736572766575722070726f7879",
            ),
        ];
        for (code_page, text, bytes) in cases {
            let bytes = hex(bytes);
            assert_eq!(decode(&bytes), *text, "{code_page}");
            // Within a stream of other lines, and with CRLF.
            let mut stream = b"ok\r\n".to_vec();
            stream.extend_from_slice(&bytes);
            stream.extend_from_slice(b"\r\n");
            assert_eq!(decode(&stream), format!("ok\r\n{text}\r\n"), "{code_page}");
        }
    }

    #[test]
    fn tables_cover_the_upper_half() {
        assert_eq!(CP1252_HIGH.chars().count(), 128);
        assert_eq!(CP850_HIGH.chars().count(), 128);
    }

    #[test]
    fn utf8_and_utf16_read_as_such() {
        assert_eq!(
            decode("révocation 0x80092013".as_bytes()),
            "révocation 0x80092013"
        );
        let utf16: Vec<u8> = "Größe 0x80092013\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(decode(&utf16), "Größe 0x80092013\r\n");
        let mut bom = vec![0xff, 0xfe];
        bom.extend_from_slice(&utf16);
        assert_eq!(decode(&bom), "Größe 0x80092013\r\n");
        // Plain ASCII is never taken for UTF-16.
        assert_eq!(decode(b"ab"), "ab");
        assert_eq!(decode(b""), "");
    }
}
