//! clerk-emulator: a local stand-in for Clerk's API, for end-to-end tests
//! and offline CI. All behaviour lives in the library's `emulator` module.

fn main() -> std::process::ExitCode {
    terraform_provider_clerk::emulator::cli::main()
}
