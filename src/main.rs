fn main() {
    // Every host is a socket: a fleet of a thousand needs more than 1024.
    sshfleet::limits::raise_nofile_limit();
    std::process::exit(sshfleet::cli::main_with_args(std::env::args().collect()));
}
