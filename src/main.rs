//! The `straceback` binary: parse the command line, run the library, map the outcome to an
//! exit status.

use clap::Parser;

fn main() {
    let cli = straceback::cli::Cli::parse();
    let status = match straceback::options::Options::from_cli(cli) {
        Ok(options) => straceback::run(&options),
        Err(e) => {
            eprintln!("straceback: {e}");
            straceback::exit::ExitStatus::Error
        }
    };
    std::process::exit(status as i32);
}
