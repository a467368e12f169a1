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
        // The console boundary for warnings: what they quote is escaped.
        let mut fields = String::new();
        ctx.field_format().format_fields(
            tracing_subscriber::fmt::format::Writer::new(&mut fields),
            event,
        )?;
        writeln!(
            writer,
            "{}",
            crate::support::sanitize::escape_keeping_lines(&fields)
        )
    }
}
