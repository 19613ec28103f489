//! mlg-cli: the `mlg` command. Argument parsing, progress bars, diagnostics
//! drawn with miette, and one module per command ([`cmd`]); the work itself
//! is the `mlg` library and the pages are `mlg-report`.

/// `print!` to stdout, except that a closed pipe (`mlg run ... | head`) ends
/// the program quietly instead of panicking, another write error is
/// reported on stderr with exit code 1, and in a distributed job (`mpirun`)
/// only rank 0 prints.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        // In a distributed job only rank 0 prints.
        if mlg_runtime::collective::current().rank() == 0 {
            let mut stdout = std::io::stdout().lock();
            let written = write!(stdout, $($arg)*).and_then(|()| stdout.flush());
            if let Err(e) = written {
                $crate::stdout_failed(&e);
            }
        }
    }};
}

/// [`out!`] with a newline.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        $crate::out!($($arg)*);
        $crate::out!("\n");
    }};
}

pub mod bench;
pub mod cmd;
pub mod diagnostics;
#[cfg(feature = "mpi")]
pub mod mpi;
pub mod predict;
pub mod predict_parquet;
pub mod progress;

/// Ends the program after a failed write to stdout.
pub fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("mlg: cannot write to stdout: {e}");
    std::process::exit(1);
}
