//! `reporter --input REPORT_INPUT.json --out-dir DIR`

fn main() {
    job_io::main_with(|| reporter::run(std::env::args_os().skip(1)));
}
