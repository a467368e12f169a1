//! The `SSHFLEET_*` environment variables sshfleet reads, checked once
//! when a command starts: a value it cannot use is refused (exit 5, naming
//! the variable), never replaced by the default without a word, since an
//! operator who set one meant it.

/// A variable that was set to a value sshfleet cannot use.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name}={value:?}: {why}")]
pub(crate) struct EnvError {
    name: &'static str,
    value: String,
    why: String,
}

/// Whether a variable's value can be used, and why not.
type Check = fn(&str) -> Result<(), String>;

/// Every `SSHFLEET_*` variable the product reads, with the check of its
/// value (the same parser its reader uses). A test fails when the sources
/// read one that is not here.
pub(crate) const VARIABLES: [(&str, Check); 1] = [("SSHFLEET_MAX_INPUT_BYTES", |v| {
    super::bounds::parse_max_input(v).map(|_| ())
})];

/// Refuse the first variable of [`VARIABLES`] set to a value its reader
/// cannot use (or that is not Unicode).
pub(crate) fn check() -> Result<(), EnvError> {
    for (name, parse) in VARIABLES {
        let Some(raw) = std::env::var_os(name) else {
            continue;
        };
        let value = raw.to_string_lossy().into_owned();
        let checked = match raw.to_str() {
            Some(text) => parse(text),
            None => Err("not Unicode text".to_string()),
        };
        checked.map_err(|why| EnvError { name, value, why })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Every `"SSHFLEET_..."` named outside the tests of `src/` is in
    /// [`VARIABLES`], so none is read unchecked.
    #[test]
    fn every_variable_the_product_reads_is_checked() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        walk(&root.join("src"), &mut files);
        walk(&root.join("crates"), &mut files);
        let mut named = std::collections::BTreeSet::new();
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy();
            if name.contains("test") || file.components().any(|c| c.as_os_str() == "tests") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            // Unit tests sit at the end of a file, under `mod tests`.
            let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
            for (at, _) in code.match_indices("\"SSHFLEET_") {
                let rest = &code[at + 1..];
                let end = rest.find('"').unwrap();
                named.insert(rest[..end].to_string());
            }
        }
        let listed: std::collections::BTreeSet<String> =
            VARIABLES.iter().map(|(n, _)| n.to_string()).collect();
        // generated.rs reads its seed and case count only in its tests.
        named.remove("SSHFLEET_GEN_SEED");
        named.remove("SSHFLEET_GEN_CASES");
        assert_eq!(named, listed);
    }

    #[test]
    fn each_variable_refuses_what_its_reader_cannot_use() {
        let (_, parse) = VARIABLES[0];
        for bad in ["-1", "abc", "1e9", "18446744073709551616", "0"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse("134217728").is_ok());
    }
}
