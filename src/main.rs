//! The `fanout` binary: runs the CLI and maps the outcome to an exit code.

fn main() -> std::process::ExitCode {
    fanout::cli::run().into()
}
