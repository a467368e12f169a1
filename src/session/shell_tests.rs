//! Tests of the expect engine and exec sessions.

#![allow(clippy::unwrap_used, clippy::panic)]
use super::*;

#[test]
fn powershell_commands_travel_as_an_encoded_script() {
    use base64::Engine as _;
    let request = powershell_request("curl.exe -v https://tetra-defs.amp.cisco.com");
    let encoded = request
        .strip_prefix(
            "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ",
        )
        .unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    let script = String::from_utf16(&units).unwrap();
    let lines: Vec<&str> = script.lines().collect();
    assert_eq!(
        lines,
        [
            "$ProgressPreference = 'SilentlyContinue'",
            "curl.exe -v https://tetra-defs.amp.cisco.com",
            "if (-not $?) { if ($LASTEXITCODE) { exit $LASTEXITCODE }; exit 1 }",
            "exit $LASTEXITCODE",
        ]
    );
    // Nothing in it that cmd.exe would take for its own syntax.
    assert!(!request.contains(['&', '|', '<', '>', '^', '"', '%']));
}

#[test]
fn stderr_clixml_reads_as_text() {
    let stderr = "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">Resolve-DnsName : x : DNS name does not exist_x000D__x000A_</S></Objs>";
    assert_eq!(
        plain_text(stderr.as_bytes(), &Secrets::default()),
        "Resolve-DnsName : x : DNS name does not exist\n"
    );
}

fn screen_of(chunks: &[&[u8]]) -> String {
    let mut parser = vte::Parser::new();
    let mut screen = Screen::default();
    for chunk in chunks {
        parser.advance(&mut screen, chunk);
    }
    screen.text
}

#[test]
fn crlf_and_colour_are_normalised_across_chunks() {
    let text = screen_of(&[b"Info: \x1b[3", b"2mok\x1b[0m\r", b"\nnext\r\n"]);
    assert_eq!(text, "Info: ok\nnext\n");
}

#[test]
fn byte_by_byte_utf8_survives() {
    let bytes = "Dépannage\r\n".as_bytes();
    let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(screen_of(&chunks), "Dépannage\n");
}

#[test]
fn endless_output_stays_bounded_and_keeps_the_end() {
    let mut parser = vte::Parser::new();
    let mut screen = Screen::default();
    let line = "é".repeat(50) + "\r\n";
    for _ in 0..10_000 {
        parser.advance(&mut screen, line.as_bytes());
        screen.bound(64 * 1024);
    }
    parser.advance(&mut screen, b"esa01.example.com> ");
    screen.bound(64 * 1024);
    assert!(screen.text.len() <= 64 * 1024);
    assert!(screen.dropped > 900_000);
    assert!(screen.text.ends_with("\nesa01.example.com> "));
}

#[test]
fn a_bare_carriage_return_overwrites_the_line() {
    assert_eq!(screen_of(&[b"50%\r100%\r\ndone\r\n"]), "100%\ndone\n");
    // The AsyncOS pager wipes its prompt with CR, spaces, CR.
    let wipe = format!("\r{}\r", " ".repeat(24));
    let text = screen_of(&[
        b"line 23\r\n-Press Any Key",
        b" For More-",
        wipe.as_bytes(),
        b"line 24\r\n",
    ]);
    assert_eq!(text, "line 23\nline 24\n");
    let text = screen_of(&[
        b"-Press Any Key For More-",
        wipe.as_bytes(),
        b"\r\nnext\r\n",
    ]);
    assert_eq!(text, "\nnext\n");
}

#[test]
fn the_pager_is_found_only_on_the_last_line_even_when_split() {
    let pager = Regex::new("-Press Any Key For More-").unwrap();
    let mut text = screen_of(&[b"Feature - Sophos: 1826 days\r\n-Press Any K"]);
    let start = |t: &str| t.rfind('\n').map_or(0, |i| i + 1);
    assert_eq!(pager_start(&text, start(&text), &pager), None);
    text.push_str("ey For More-");
    let at = pager_start(&text, start(&text), &pager).unwrap();
    assert_eq!(&text[..at], "Feature - Sophos: 1826 days\n");
    assert_eq!(
        pager_start("-Press Any Key For More-\nnext\n", 30, &pager),
        None
    );
}

#[test]
fn an_echoed_password_split_across_packets_never_reaches_the_screen() {
    let mut secrets = Secrets::default();
    secrets.add("Ir0nP0rt!");
    let mut parser = vte::Parser::new();
    let mut screen = Screen::default();
    let mut seen = Vec::new();
    for chunk in [&b"Password: Ir0"[..], b"nP", b"0rt", b"!\r\nesa01> "] {
        absorb(&mut parser, &mut screen, &secrets, chunk);
        seen.push(screen.text.clone());
    }
    assert_eq!(screen.text, "Password: ***\nesa01> ");
    // No state of the screen ever held the whole password.
    assert!(seen.iter().all(|s| !s.contains("Ir0nP0rt!")), "{seen:?}");
}

#[test]
fn backspace_echo_erases() {
    assert_eq!(screen_of(&[b"versoi\x08 \x08\x08 \x08ion"]), "version");
}

#[test]
fn echo_is_stripped_only_when_it_is_the_command() {
    assert_eq!(
        strip_echo("version\nVersion: 15.0\n", "version"),
        "Version: 15.0\n"
    );
    assert_eq!(strip_echo("Version: 15.0\n", "version"), "Version: 15.0\n");
    assert_eq!(
        strip_echo("esa01> grep \"x\" ecs\nline\n", "grep \"x\" ecs"),
        "line\n"
    );
}
