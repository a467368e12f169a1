fn main() {
    std::process::exit(sshfleet::main(std::env::args_os().collect()));
}
