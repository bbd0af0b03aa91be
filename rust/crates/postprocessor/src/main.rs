//! `postprocessor --drop DROP.zip --ride-models ride-models.json --out RESULT.json`

fn main() {
    job_io::main_with(|| postprocessor::run(std::env::args_os().skip(1)));
}
