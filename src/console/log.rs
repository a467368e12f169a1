//! Warnings and debug events on stderr, in the style of every other
//! message (`sshfleet: warning: ...`). What an operator must see (a host key
//! recorded under --accept-new-host-keys, a transcript that could not be
//! written) is a warning; `RUST_LOG=sshfleet=debug` shows more.

/// Install the subscriber once per process. Colour only for a person at a
/// terminal: cron mails and journald would show raw escapes.
pub(crate) fn init() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(super::progress::colour_wanted())
        .event_format(Prefixed)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("sshfleet=warn")),
        )
        .try_init();
}

/// Print the error that ends the process, `sshfleet: ` and its text with
/// its causes: a path, a host name or a value it quotes is escaped (line
/// feeds kept: a message may point at a file's line).
pub(crate) fn error(text: &str) {
    crate::console::progress::Lines::Stderr.print(&format!("sshfleet: {}", error_text(text)));
}

/// An error as printed: escaped, line feeds kept (some errors list what
/// they refuse on lines of their own), and every line after the first
/// indented, so a value an error quotes cannot start a line of its own
/// that reads as another message of sshfleet's (`sshfleet: ...`).
fn error_text(text: &str) -> String {
    crate::support::sanitize::escape_keeping_lines(text)
        .trim_end_matches('\n')
        .replace('\n', "\n  ")
}

/// Print clap's usage error as it rendered it: the argument it quotes is
/// escaped (line feeds kept: clap's layout).
pub(crate) fn usage_error(rendered: &str) {
    eprint!(
        "{}",
        crate::support::sanitize::escape_keeping_lines(rendered)
    );
}

/// `sshfleet: LEVEL: message`, the level coloured where the writer allows.
struct Prefixed;

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for Prefixed
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        // Colour (bold yellow, bold red) only where the writer allows it:
        // a terminal, NO_COLOR unset.
        let (level, colour) = match *event.metadata().level() {
            tracing::Level::ERROR => ("error", "1;31"),
            tracing::Level::WARN => ("warning", "1;33"),
            tracing::Level::INFO => ("note", "1"),
            tracing::Level::DEBUG => ("debug", "2"),
            tracing::Level::TRACE => ("trace", "2"),
        };
        if writer.has_ansi_escapes() {
            write!(writer, "sshfleet: \x1b[{colour}m{level}\x1b[0m: ")?;
        } else {
            write!(writer, "sshfleet: {level}: ")?;
        }
        // Debug events say whose story they belong to: the host, then the
        // step (`host{name=esa01}:step{name=...}: sent `version``).
        if *event.metadata().level() >= tracing::Level::DEBUG
            && let Some(scope) = ctx.event_scope()
        {
            for span in scope.from_root() {
                write!(writer, "{}", span.name())?;
                let extensions = span.extensions();
                if let Some(fields) =
                    extensions.get::<tracing_subscriber::fmt::FormattedFields<N>>()
                    && !fields.is_empty()
                {
                    let fields = crate::support::sanitize::escape(fields.as_str());
                    write!(writer, "{{{fields}}}")?;
                }
                write!(writer, ": ")?;
            }
        }
        // The console boundary for warnings and debug lines: events carry
        // text as it came (a host name, a path, a host's line); every
        // control in it is escaped here, line feeds too, so one event is
        // one line and nothing it quotes can forge another.
        let mut fields = String::new();
        ctx.field_format().format_fields(
            tracing_subscriber::fmt::format::Writer::new(&mut fields),
            event,
        )?;
        writeln!(writer, "{}", crate::support::sanitize::escape(&fields))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn a_quoted_line_feed_cannot_start_a_message_of_its_own() {
        let shown =
            super::error_text("ansible_host `a\nsshfleet: all hosts ok\n\u{1b}[2J` is refused\n");
        assert_eq!(
            shown,
            "ansible_host `a\n  sshfleet: all hosts ok\n  \\u{1b}[2J` is refused"
        );
        assert!(shown.lines().skip(1).all(|l| l.starts_with("  ")));
    }
    use std::sync::{Arc, Mutex};

    /// What the formatter wrote, shared with the subscriber's writer.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_field_and_span_of_an_event_is_escaped_one_event_a_line() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .event_format(super::Prefixed)
            .with_max_level(tracing::Level::DEBUG)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::debug_span!("host", name = %"esa\u{1b}[2J\u{202e}01");
            let _entered = span.enter();
            tracing::warn!("added {}\nsshfleet: error: forged", "h\u{9b}31m");
            tracing::debug!(line = %"x\u{7}\ty", "sent");
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "sshfleet: warning: added h\\u{9b}31m\\nsshfleet: error: forged",
                "sshfleet: debug: host{name=esa\\u{1b}[2J\\u{202e}01}: sent line=x\\u{7}\\ty",
            ],
            "{text:?}"
        );
    }
}
