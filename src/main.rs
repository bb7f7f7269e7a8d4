//! The `straceback` binary: parse the command line, run the library, map the outcome to an
//! exit status.

use clap::Parser;

// events are allocated on the parsing threads and freed on the analysis thread, which glibc's
// malloc does slowly (40% more wall time with the default threads); of glibc, mimalloc and
// jemalloc, jemalloc was the fastest, at half mimalloc's peak RSS (benches/RESULTS.md)
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    let cli = straceback::cli::Cli::parse();
    let status = match straceback::options::Options::from_cli(cli) {
        Ok(options) => straceback::run(&options),
        Err(e) => {
            eprintln!("straceback: {e}");
            straceback::exit::ExitStatus::Error
        }
    };
    std::process::exit(status.code());
}
