fn main() {
    std::process::exit(sshfleet::cli::main_with_args(std::env::args().collect()));
}
