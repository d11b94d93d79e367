//! The `clerk-emulator` command line: flags, the one-line readiness message
//! tests parse, and shutdown on SIGINT/SIGTERM.

use std::ffi::OsString;
use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use super::{serve, Options};

/// Environment variable with comma-separated keys, so keys need not appear
/// on a command line (and in `ps` output).
pub const KEYS_ENV: &str = "CLERK_EMULATOR_KEYS";

/// How long shutdown waits for in-flight requests before exiting anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

const USAGE: &str = "\
usage: clerk-emulator [--listen 127.0.0.1:0] [--state FILE] [--key SECRET_KEY]...
                      [--environment-lag-ms N] [--latency-ms N] [--quiet]

A local stand-in for the parts of Clerk's Backend API the provider uses
(/v1/instance and its settings, /v1/organization_roles, /v1/domains,
/v1/redirect_urls, /v1/allowlist_identifiers, /v1/blocklist_identifiers,
/v1/jwt_templates) and the Frontend API's /v1/environment, with a control
API under /__emulator/.

  --listen ADDR             loopback address to bind (default 127.0.0.1:0)
  --state FILE              load instances from FILE and save after each change
  --key KEY                 accept only these keys (repeatable; also
                            CLERK_EMULATOR_KEYS=key1,key2); default: any
                            well-formed sk_test_/sk_live_ key
  --environment-lag-ms N    serve /v1/environment as of N ms ago
  --latency-ms N            wait N ms before answering each API request
  --quiet                   do not log requests to stderr
";

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    Run(Options),
    Help,
}

/// Parses arguments (without the program name) plus the value of
/// [`KEYS_ENV`]. Error messages never include a key.
pub fn parse_args<I>(args: I, env_keys: Option<&str>) -> Result<Command, String>
where
    I: IntoIterator<Item = OsString>,
{
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg
            .into_string()
            .map_err(|_| "arguments must be valid UTF-8".to_string())?;
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = || -> Result<String, String> {
            match inline.clone() {
                Some(value) => Ok(value),
                None => args
                    .next()
                    .and_then(|v| v.into_string().ok())
                    .ok_or_else(|| format!("{flag} needs a value")),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--listen" => options.listen = parse_listen(&value()?)?,
            "--state" => options.state_file = Some(PathBuf::from(value()?)),
            "--key" => options.keys.push(value()?),
            "--environment-lag-ms" => {
                let text = value()?;
                let ms = text.parse::<u64>().map_err(|_| {
                    format!("--environment-lag-ms needs a number of milliseconds, not {text:?}")
                })?;
                options.environment_lag = Duration::from_millis(ms);
            }
            "--latency-ms" => {
                let text = value()?;
                let ms: u64 = text.parse().map_err(|_| {
                    format!("--latency-ms needs a number of milliseconds, not {text:?}")
                })?;
                options.latency = Duration::from_millis(ms);
            }
            "--quiet" if inline.is_none() => options.quiet = true,
            // Do not echo the argument: it could be a key passed by mistake.
            _ => return Err("unknown argument".to_string()),
        }
    }
    let from_env = env_keys
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty());
    options.keys.extend(from_env.map(str::to_string));
    Ok(Command::Run(options))
}

/// An IP literal with port; `localhost` is taken as 127.0.0.1 rather than
/// resolved, so it can never land on a non-loopback address.
fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    if let Some(port) = text.strip_prefix("localhost:") {
        let port = port
            .parse::<u16>()
            .map_err(|_| format!("bad port in --listen {text:?}"))?;
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    }
    text.parse::<SocketAddr>()
        .map_err(|_| format!("--listen needs IP:PORT such as 127.0.0.1:0, not {text:?}"))
}

/// Entry point of the `clerk-emulator` binary.
pub fn main() -> ExitCode {
    let env_keys = std::env::var(KEYS_ENV).ok();
    let options = match parse_args(std::env::args_os().skip(1), env_keys.as_deref()) {
        Ok(Command::Run(options)) => options,
        Ok(Command::Help) => {
            let _ = io::stdout().write_all(USAGE.as_bytes());
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            let _ = writeln!(io::stderr(), "clerk-emulator: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = writeln!(io::stderr(), "clerk-emulator: cannot start runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(options))
}

async fn run(options: Options) -> ExitCode {
    let (addr, handle) = match serve(options).await {
        Ok(started) => started,
        Err(e) => {
            let _ = writeln!(io::stderr(), "clerk-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    let announced = {
        let mut stdout = io::stdout().lock();
        writeln!(stdout, "clerk-emulator listening on http://{addr}").and_then(|()| stdout.flush())
    };
    if let Err(e) = announced {
        let _ = writeln!(io::stderr(), "clerk-emulator: cannot write to stdout: {e}");
        return ExitCode::FAILURE;
    }
    if let Err(e) = shutdown_signal().await {
        let _ = writeln!(
            io::stderr(),
            "clerk-emulator: cannot listen for signals: {e}"
        );
    }
    // In-flight requests (say, a long delay fault) get a bounded grace period.
    match tokio::time::timeout(SHUTDOWN_GRACE, handle.shutdown()).await {
        Ok(Ok(())) | Err(_) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            let _ = writeln!(io::stderr(), "clerk-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Waits for SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() -> io::Result<()> {
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn parses_flags_and_env_keys() {
        let parsed = parse_args(
            args(&[
                "--listen",
                "127.0.0.1:4100",
                "--state=/tmp/x.json",
                "--key",
                "sk_test_AAAAAAAA1",
                "--environment-lag-ms",
                "250",
                "--latency-ms=50",
                "--quiet",
            ]),
            Some(" sk_live_BBBBBBBB2 ,,"),
        );
        let Ok(Command::Run(options)) = parsed else {
            panic!("expected options, got {parsed:?}");
        };
        assert_eq!(options.listen.port(), 4100);
        assert_eq!(options.state_file, Some(PathBuf::from("/tmp/x.json")));
        assert_eq!(
            options.keys,
            vec![
                "sk_test_AAAAAAAA1".to_string(),
                "sk_live_BBBBBBBB2".to_string()
            ]
        );
        assert_eq!(options.environment_lag, Duration::from_millis(250));
        assert_eq!(options.latency, Duration::from_millis(50));
        assert!(options.quiet);
        let debug = format!("{options:?}");
        assert!(!debug.contains("AAAAAAAA1"), "{debug}");
    }

    #[test]
    fn refuses_bad_arguments_without_echoing() {
        let error = parse_args(args(&["sk_test_SECRETSECRET"]), None)
            .err()
            .unwrap_or_default();
        assert!(!error.contains("SECRETSECRET"));
        assert!(parse_args(args(&["--listen"]), None).is_err());
        assert!(parse_args(args(&["--listen", "example.com:80"]), None).is_err());
        assert!(parse_args(args(&["--environment-lag-ms", "soon"]), None).is_err());
        assert!(parse_args(args(&["--latency-ms", "-5"]), None).is_err());
        let Ok(Command::Run(options)) = parse_args(args(&["--listen", "localhost:0"]), None) else {
            panic!("localhost should parse");
        };
        assert!(options.listen.ip().is_loopback());
    }
}
