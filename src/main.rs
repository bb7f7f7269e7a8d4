//! The `straceback` binary: parse the command line, run the library, map the outcome to an
//! exit status.

use clap::Parser;

// events are allocated on the parsing threads and freed on the analysis thread; the system
// allocator is slow at that
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
