//! `terraform-provider-clerk`: started by Terraform as a plugin, or by hand
//! with `--version` or `--debug`.

use std::io::Write;
use std::process::ExitCode;

use terraform_provider_clerk::plugin::{Handshake, Mode};
use terraform_provider_clerk::provider::{SOURCE_ADDRESS, VERSION};

const USAGE: &str = "\
Usage: terraform-provider-clerk [--version | --debug | --help]

A Terraform/OpenTofu provider for Clerk instance settings. Terraform starts it;
it is not meant to be run directly.

  --version  print the version, and the commit it was built from, and exit
  --debug    serve without Terraform's handshake and print a
             TF_REATTACH_PROVIDERS value to attach Terraform to this process
  --help     print this message
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => match Handshake::from_env(|key| std::env::var(key).ok()) {
            Ok(handshake) => Mode::Managed(handshake),
            Err(error) => {
                eprintln!("{error}");
                return ExitCode::FAILURE;
            }
        },
        ["--version" | "-version" | "-v" | "version"] => {
            // One write, and a reader that stops after the first line
            // (`| head -n 1`) is no error.
            let text = format!(
                "terraform-provider-clerk {VERSION} (plugin protocol 5)\n{}\n",
                commit_line(env!("BUILD_COMMIT"))
            );
            let _ = std::io::stdout().write_all(text.as_bytes());
            return ExitCode::SUCCESS;
        }
        ["--help" | "-help" | "-h" | "help"] => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        ["--debug" | "-debug"] => Mode::Debug {
            provider_address: SOURCE_ADDRESS.to_string(),
        },
        _ => {
            eprint!("{}\n\n{USAGE}", unrecognised(&args));
            return ExitCode::from(2);
        }
    };
    terraform_provider_clerk::run(mode)
}

/// The second line of `--version`: which commit, and whether the sources
/// it was built from differed from it, so two builds of one version can be
/// told apart.
fn commit_line(commit: &str) -> String {
    match commit.strip_suffix("-dirty") {
        _ if commit == "unknown" => "commit unknown (not built from a git checkout)".to_string(),
        Some(commit) => format!("commit {commit} (with uncommitted changes to its sources)"),
        None => format!("commit {commit}"),
    }
}

/// The error for arguments that are not one of the usages, naming them.
fn unrecognised(args: &[String]) -> String {
    let known = [
        "--version",
        "-version",
        "-v",
        "version",
        "--help",
        "-help",
        "-h",
        "help",
        "--debug",
        "-debug",
    ];
    let unknown: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|arg| !known.contains(arg))
        .collect();
    match unknown.as_slice() {
        [] => format!("give one option at a time, not {}", args.join(" ")),
        [one] => format!("unrecognised argument: {one}"),
        many => format!("unrecognised arguments: {}", many.join(" ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn unknown_arguments_are_named() {
        assert_eq!(
            unrecognised(&strings(&["--verison"])),
            "unrecognised argument: --verison"
        );
        assert_eq!(
            unrecognised(&strings(&["--debug", "x", "-y"])),
            "unrecognised arguments: x -y"
        );
        assert_eq!(
            unrecognised(&strings(&["--debug", "--version"])),
            "give one option at a time, not --debug --version"
        );
    }

    #[test]
    fn the_commit_line_says_whether_the_tree_was_dirty() {
        assert_eq!(commit_line("abc123"), "commit abc123");
        assert_eq!(
            commit_line("abc123-dirty"),
            "commit abc123 (with uncommitted changes to its sources)"
        );
        assert!(commit_line("unknown").contains("unknown"));
    }
}
