//! The `restock` binary: everything lives in the library; this only hands over control.

fn main() -> std::process::ExitCode {
    restock::cli_main()
}
