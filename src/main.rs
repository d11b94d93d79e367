//! `terraform-provider-clerk`: started by Terraform as a plugin, or by hand
//! with `--version` or `--debug`.

use std::process::ExitCode;

use terraform_provider_clerk::plugin::{Handshake, Mode};
use terraform_provider_clerk::provider::{SOURCE_ADDRESS, VERSION};

const USAGE: &str = "\
Usage: terraform-provider-clerk [--version | --debug | --help]

A Terraform/OpenTofu provider for Clerk instance settings. Terraform starts it;
it is not meant to be run directly.

  --version  print the version and exit
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
            println!("terraform-provider-clerk {VERSION} (plugin protocol 5)");
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
            eprint!("unrecognised arguments\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    terraform_provider_clerk::run(mode)
}
