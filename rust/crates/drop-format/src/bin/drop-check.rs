//! `drop-check [--file-name NAME] [--received-at INSTANT] DROP.zip` or `drop-check --verify-many`

fn main() {
    let code = drop_format::run_drop_check(
        std::env::args_os().skip(1),
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    std::process::exit(code);
}
