//! `reporter --input REPORT_INPUT.json --out-dir DIR` (in progress).

fn main() {}
