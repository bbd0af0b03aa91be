//! `postprocessor --drop DROP.zip --ride-models ride-models.json --out RESULT.json`

fn main() {
    if let Err(e) = postprocessor::run(std::env::args_os().skip(1)) {
        eprintln!("{}", e.to_json_line());
        std::process::exit(e.exit_code);
    }
}
