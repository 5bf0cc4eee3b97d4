use std::process::ExitCode;

fn main() -> ExitCode {
    parcours_app::run(parcours_app::cli::parse())
}
