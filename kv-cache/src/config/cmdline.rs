//! redis-server's command line: `kv-cache-server [config-file] [--name value
//! ...]...`. Redis: the argument loop in `main()` of `src/server.c`, which
//! turns the options into config-file lines and loads them after the file.
//!
//! ```text
//!  kv-cache-server ./redis.conf --port 7000 --save 3600 1 --maxmemory 100mb
//!                  └─ file ───┘ └─ port 7000 ┘ └ save 3600 1 ┘└ maxmemory 100mb ┘
//! ```
//!
//! - A first argument that does not start with `-` names the config file
//!   (`-` alone reads it from standard input, as Redis does).
//! - Every `--name` starts an option; the arguments up to the next `--name`
//!   are its values, joined with spaces (`--save ""` sets an empty value).
//! - Options are applied in order after the file, so they win over it.
//! - Kept from earlier releases of this binary: `--config <file>` and
//!   `--set name=value`.

use std::path::PathBuf;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Start the server.
    Run,
    /// Print the version and exit (`-v`, `--version`).
    Version,
    /// Print the usage and exit (`-h`, `--help`).
    Help,
}

/// The parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    /// What to do.
    pub action: Action,
    /// The config file, if one was named (`-` for standard input).
    pub file: Option<PathBuf>,
    /// The options, in order: parameter name and its value.
    pub options: Vec<(String, String)>,
}

/// The usage text for `--help`.
pub const USAGE: &str = "\
Usage: kv-cache-server [/path/to/redis.conf] [options] [-]
       kv-cache-server - (read config from stdin)
       kv-cache-server -v or --version
       kv-cache-server -h or --help

Examples:
       kv-cache-server (run with the defaults: 127.0.0.1:6380)
       kv-cache-server /etc/redis/6379.conf
       kv-cache-server --port 7777
       kv-cache-server --port 7777 --replicaof 127.0.0.1 8888
       kv-cache-server /etc/myredis.conf --loglevel verbose --requirepass secret
";

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<CommandLine, String> {
    let mut line = CommandLine {
        action: Action::Run,
        file: None,
        options: Vec::new(),
    };
    let mut rest = args;
    match args.first().map(String::as_str) {
        Some("-v" | "--version") => {
            line.action = Action::Version;
            return Ok(line);
        }
        Some("-h" | "--help") => {
            line.action = Action::Help;
            return Ok(line);
        }
        Some(first) if first == "-" || !first.starts_with('-') => {
            line.file = Some(PathBuf::from(first));
            rest = &args[1..];
        }
        _ => {}
    }
    let mut current: Option<(String, Vec<String>)> = None;
    for arg in rest {
        if let Some(name) = arg.strip_prefix("--").filter(|n| !n.is_empty()) {
            if let Some((n, v)) = current.take() {
                line.options.push((n, v.join(" ")));
            }
            current = Some((name.to_ascii_lowercase(), Vec::new()));
        } else if arg == "-" && line.file.is_none() && current.is_none() {
            line.file = Some(PathBuf::from("-"));
        } else {
            match current.as_mut() {
                Some((_, values)) => values.push(arg.clone()),
                None => return Err(format!("Invalid argument '{arg}': options start with --")),
            }
        }
    }
    if let Some((n, v)) = current.take() {
        line.options.push((n, v.join(" ")));
    }
    legacy_forms(&mut line)?;
    Ok(line)
}

/// `--config <file>` names the file; `--set name=value` is `--name value`.
fn legacy_forms(line: &mut CommandLine) -> Result<(), String> {
    let mut options = Vec::with_capacity(line.options.len());
    for (name, value) in std::mem::take(&mut line.options) {
        match name.as_str() {
            "config" if line.file.is_none() => line.file = Some(PathBuf::from(value)),
            "set" => {
                let (k, v) = value
                    .split_once('=')
                    .ok_or_else(|| format!("--set expects NAME=VALUE, got {value:?}"))?;
                options.push((k.to_ascii_lowercase(), v.to_string()));
            }
            _ => options.push((name, value)),
        }
    }
    line.options = options;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    fn opts(line: &CommandLine) -> Vec<(&str, &str)> {
        line.options
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn redis_server_forms() {
        let l = parse(&args(&[
            "./redis.conf",
            "--port",
            "7000",
            "--save",
            "3600",
            "1",
        ]))
        .unwrap();
        assert_eq!(l.file, Some(PathBuf::from("./redis.conf")));
        assert_eq!(opts(&l), [("port", "7000"), ("save", "3600 1")]);
        let l = parse(&args(&["--maxmemory", "100mb", "--save", ""])).unwrap();
        assert_eq!(l.file, None);
        assert_eq!(opts(&l), [("maxmemory", "100mb"), ("save", "")]);
        let l = parse(&args(&["--appendonly", "--port", "1"])).unwrap();
        assert_eq!(opts(&l), [("appendonly", ""), ("port", "1")]);
        assert_eq!(parse(&args(&["-"])).unwrap().file, Some(PathBuf::from("-")));
        assert_eq!(parse(&args(&["-v"])).unwrap().action, Action::Version);
        assert_eq!(parse(&args(&["--help"])).unwrap().action, Action::Help);
        // A bare `--` is a value, not an option name.
        let l = parse(&args(&["--port", "1", "--"])).unwrap();
        assert_eq!(opts(&l), [("port", "1 --")]);
    }

    #[test]
    fn earlier_forms_still_work() {
        let l = parse(&args(&[
            "--config", "a.conf", "--set", "hz=100", "--PORT", "9",
        ]))
        .unwrap();
        assert_eq!(l.file, Some(PathBuf::from("a.conf")));
        assert_eq!(opts(&l), [("hz", "100"), ("port", "9")]);
        assert!(parse(&args(&["--set", "nonsense"])).is_err());
    }

    #[test]
    fn values_before_any_option_are_refused() {
        let e = parse(&args(&["a.conf", "stray"])).unwrap_err();
        assert!(e.contains("stray"), "{e}");
    }

    proptest! {
        #[test]
        fn arbitrary_arguments_never_panic(words in prop::collection::vec(".{0,8}", 0..8)) {
            let _ = parse(&words);
        }
    }
}
