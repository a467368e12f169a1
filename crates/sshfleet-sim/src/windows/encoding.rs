//! The code pages Western European Windows writes in (docs/DEVICES.md:
//! native programs write in the console's code page, PowerShell may write
//! UTF-16LE): the upper halves of Windows-1252 and IBM 850, as Python's
//! `cp1252` and `cp850` codecs map them (the five bytes cp1252 leaves
//! undefined map to the C1 controls of the same value, as Windows does).

use super::profile::CodePage;

/// Bytes 0x80 to 0xFF of Windows-1252.
pub(crate) const CP1252_HIGH: &str = "€\u{81}‚ƒ„…†‡ˆ‰Š‹Œ\u{8d}Ž\u{8f}\u{90}‘’“”•–—˜™š›œ\u{9d}žŸ\u{a0}¡¢£¤¥¦§¨©ª«¬\u{ad}®¯°±²³´µ¶·¸¹º»¼½¾¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ";
/// Bytes 0x80 to 0xFF of IBM 850.
pub(crate) const CP850_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u{ad}±‗¾¶§÷¸°¨·¹³²■\u{a0}";

/// `text` as the endpoint writes it; a character the code page lacks
/// becomes `?`, as Windows' best-fit conversion does for most.
pub(crate) fn encode(text: &str, code_page: CodePage) -> Vec<u8> {
    let high = match code_page {
        CodePage::Utf8 => return text.as_bytes().to_vec(),
        CodePage::Utf16le => return text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        CodePage::Cp1252 => CP1252_HIGH,
        CodePage::Cp850 => CP850_HIGH,
    };
    text.chars()
        .map(|c| {
            if c.is_ascii() {
                c as u8
            } else {
                high.chars()
                    .position(|h| h == c)
                    .and_then(|i| u8::try_from(0x80 + i).ok())
                    .unwrap_or(b'?')
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_128_characters() {
        assert_eq!(CP1252_HIGH.chars().count(), 128);
        assert_eq!(CP850_HIGH.chars().count(), 128);
    }

    #[test]
    fn french_and_german_letters_land_where_each_code_page_puts_them() {
        // Python: "révocation überprüfen".encode(cp)
        assert_eq!(
            encode("é ü ß", CodePage::Cp1252),
            [0xe9, b' ', 0xfc, b' ', 0xdf]
        );
        assert_eq!(
            encode("é ü ß", CodePage::Cp850),
            [0x82, b' ', 0x81, b' ', 0xe1]
        );
        assert_eq!(encode("€", CodePage::Cp850), b"?");
        assert_eq!(encode("é", CodePage::Utf8), "é".as_bytes());
        assert_eq!(
            encode("é\r\n", CodePage::Utf16le),
            [0xe9, 0, b'\r', 0, b'\n', 0]
        );
    }
}
