//! Fleet benchmark: how much does running N appliances at once cost, beyond
//! the time the slowest appliance itself takes?
//!
//! For each fleet size it starts `sshfleet sim --scenario broken` (every
//! host needs `ecupdate force` and an update of a fixed duration) as one
//! process, then times the real client, `sshfleet run esa-ecupdate ...
//! --no-progress`, as another, and prints:
//!
//! - wall time, from spawning the client to its exit;
//! - the slowest host's own time (largest `duration_ms` in the report) and
//!   the ratio of wall time to it: 1.00 would mean the fleet costs nothing
//!   beyond its slowest member;
//! - the client's CPU time (user + system) and peak RSS, from the kernel's
//!   accounting of that one child (`wait4`), and the simulator's CPU time
//!   (it shares the machine with the client);
//! - how many hosts ended `changed` (all of them, or the row is flagged).
//!
//! ```sh
//! cargo bench --bench fleet                                  # N = 100 and 1000
//! cargo bench --bench fleet -- --hosts 100 --update-duration 5s --forks 50
//! cargo bench --bench fleet -- --hosts 1000,3000 --playbook secure-endpoint-tetra
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Parser;

#[derive(Debug, Parser)]
#[command(about = "Time `sshfleet run` against simulated fleets")]
struct Args {
    /// Fleet sizes to run, in order.
    #[arg(long, value_delimiter = ',', default_values_t = [100, 1000])]
    hosts: Vec<usize>,
    /// How long each appliance's update takes.
    #[arg(long, default_value = "5s", value_parser = humantime::parse_duration)]
    update_duration: Duration,
    /// Hosts worked on at once [default: the fleet size].
    #[arg(short, long)]
    forks: Option<usize>,
    /// Which shipped playbook: `esa-ecupdate` on appliances (scenario
    /// broken) or `secure-endpoint-tetra` on Windows endpoints (scenario
    /// stale-fixable: each reconnects after the fleet barrier).
    #[arg(long, default_value = "esa-ecupdate")]
    playbook: String,
    /// Time this sshfleet binary instead of the one cargo built (to compare
    /// builds: another profile, the Debian package's).
    #[arg(long, value_name = "PATH")]
    binary: Option<PathBuf>,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

/// What the kernel accounted to one child process.
struct Usage {
    cpu: Duration,
    max_rss_bytes: u64,
}

struct Row {
    hosts: usize,
    /// Most file descriptors the client held open at once (sampled).
    peak_fds: usize,
    forks: usize,
    update: Duration,
    wall: Duration,
    slowest: Duration,
    client: Usage,
    sim_cpu: Option<Duration>,
    changed: usize,
    reported: usize,
    exit: i32,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let binary = args
        .binary
        .clone()
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_sshfleet")));
    println!("sshfleet fleet benchmark");
    println!("binary: {}", binary.display());
    if args.binary.is_none() && !binary.components().any(|c| c.as_os_str() == "release") {
        println!("WARNING: not a release build; run it with `cargo bench --bench fleet`");
    }
    println!(
        "machine: {} CPUs, shared by the client and the simulator; every host must end `changed`\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("playbook: {}\n", args.playbook);
    println!(
        "{:>6} {:>6} {:>7} {:>8} {:>10} {:>6} {:>11} {:>9} {:>9} {:>9} {:>6} {:>8} {:>9}",
        "hosts",
        "forks",
        "update",
        "wall s",
        "slowest s",
        "ratio",
        "client CPU",
        "CPU/host",
        "peak RSS",
        "RSS/sess",
        "fds",
        "sim CPU",
        "changed"
    );
    println!(
        "{:>6} {:>6} {:>7} {:>8} {:>10} {:>6} {:>11} {:>9} {:>9} {:>9} {:>6} {:>8} {:>9}",
        "", "", "", "", "host", "", "s", "ms", "MiB", "KiB", "peak", "s", ""
    );
    let mut all_changed = true;
    for &hosts in &args.hosts {
        let forks = args.forks.unwrap_or(hosts);
        let row = measure(&binary, &args.playbook, hosts, forks, args.update_duration)
            .with_context(|| format!("benchmark with {hosts} hosts"))?;
        print_row(&row);
        if row.changed != row.hosts {
            all_changed = false;
        }
    }
    if !all_changed {
        println!(
            "\nWARNING: some host did not end `changed`; the numbers above are not comparable"
        );
    }
    Ok(())
}

fn print_row(row: &Row) {
    let secs = |d: Duration| d.as_secs_f64();
    let rss_mib = row.client.max_rss_bytes as f64 / (1024.0 * 1024.0);
    println!(
        "{:>6} {:>6} {:>7} {:>8.2} {:>10.2} {:>6.3} {:>11.2} {:>9.2} {:>9.1} {:>9.0} {:>6} {:>8} {:>9}",
        row.hosts,
        row.forks,
        humantime::format_duration(row.update).to_string(),
        secs(row.wall),
        secs(row.slowest),
        secs(row.wall) / secs(row.slowest).max(f64::EPSILON),
        secs(row.client.cpu),
        secs(row.client.cpu) * 1000.0 / row.hosts.max(1) as f64,
        rss_mib,
        rss_mib * 1024.0 / row.forks.min(row.hosts).max(1) as f64,
        row.peak_fds,
        row.sim_cpu
            .map_or_else(|| "?".to_string(), |d| format!("{:.2}", secs(d))),
        format!("{}/{}", row.changed, row.hosts),
    );
    if row.changed != row.hosts || row.reported != row.hosts {
        println!(
            "  WARNING: {} of {} hosts changed, {} in the report, client exit {}",
            row.changed, row.hosts, row.reported, row.exit
        );
    }
    let _ = std::io::stdout().flush();
}

fn measure(
    binary: &Path,
    playbook: &str,
    hosts: usize,
    forks: usize,
    update: Duration,
) -> anyhow::Result<Row> {
    let dir = tempfile::tempdir().context("creating a temporary directory")?;
    let known_hosts = dir.path().join("sim.known_hosts");
    let report = dir.path().join("report.json");
    let update_text = humantime::format_duration(update).to_string();

    // Every host must change: ESA appliances are broken; endpoints are
    // behind the newest published definitions, which the run is told.
    let (model, scenario, extra): (&str, &str, Vec<String>) = match playbook {
        "esa-ecupdate" => ("asyncos", "broken", Vec::new()),
        "secure-endpoint-tetra" => (
            "windows",
            "stale-fixable",
            vec![
                "-e".into(),
                format!("latest_tetra={}", sshfleet_sim::LATEST_TETRA),
                "-e".into(),
                "update_poll_interval=1s".into(),
            ],
        ),
        other => bail!("no benchmark setup for playbook {other}"),
    };
    // One simulator holds two sockets per host (its listener and the
    // client's connection): past this many hosts a process would outgrow a
    // 20,000 open-file limit, so the fleet is split across simulators.
    const HOSTS_PER_SIM: usize = 8000;
    let parts = hosts.div_ceil(HOSTS_PER_SIM).max(1);
    let mut sims = Vec::new();
    let mut inventories = Vec::new();
    let mut known = String::new();
    for part in 0..parts {
        let share = hosts / parts + usize::from(part < hosts % parts);
        let part_inventory = dir.path().join(format!("sim{part}.yaml"));
        let prefix = match model {
            "windows" => format!("pc{part}x"),
            _ => format!("esa{part}x"),
        };
        let sim = Command::new(binary)
            .args(["sim", "--model", model, "--scenario", scenario, "--hosts"])
            .arg(share.to_string())
            .args(["--hostname-prefix", &prefix])
            .args(["--update-duration", &update_text, "--inventory-out"])
            .arg(&part_inventory)
            .stdin(Stdio::null())
            .stdout(log_file(dir.path(), &format!("sim{part}.stdout"))?)
            .stderr(log_file(dir.path(), &format!("sim{part}.stderr"))?)
            .spawn()
            .context("starting sshfleet sim")?;
        let mut sim = Running(Some(sim));
        wait_for_file(&mut sim, &part_inventory, dir.path())?;
        known.push_str(
            &std::fs::read_to_string(dir.path().join(format!("sim{part}.known_hosts")))
                .context("reading the simulator's known_hosts")?,
        );
        sims.push(sim);
        inventories.push(part_inventory);
    }
    std::fs::write(&known_hosts, known).context("writing known_hosts")?;
    // Each simulator trusts its own client key, named under its `all`
    // vars: one inventory names each part's hosts with their part's key.
    let inventory = dir.path().join("fleet.yaml");
    let mut groups = serde_yaml::Mapping::new();
    for (part, path) in inventories.iter().enumerate() {
        let text = std::fs::read_to_string(path).context("reading a simulator's inventory")?;
        let parsed: serde_yaml::Value = serde_yaml::from_str(&text)?;
        let all = &parsed["all"];
        let mut hosts = serde_yaml::Mapping::new();
        if let Some(children) = all["children"].as_mapping() {
            for group in children.values() {
                if let Some(members) = group["hosts"].as_mapping() {
                    hosts.extend(members.clone());
                }
            }
        }
        let mut group = serde_yaml::Mapping::new();
        group.insert("vars".into(), all["vars"].clone());
        group.insert("hosts".into(), hosts.into());
        groups.insert(format!("sim{part}").into(), group.into());
    }
    let mut all = serde_yaml::Mapping::new();
    all.insert("children".into(), groups.into());
    let mut root = serde_yaml::Mapping::new();
    root.insert("all".into(), all.into());
    std::fs::write(&inventory, serde_yaml::to_string(&root)?).context("writing the inventory")?;

    // A stuck host should fail the run, not hold the benchmark for the
    // playbook's default ten minutes.
    let update_timeout =
        humantime::format_duration((update * 3).max(update + Duration::from_secs(60)));
    let started = Instant::now();
    let client = Command::new(binary)
        .args(["run", playbook, "-i"])
        .arg(&inventory)
        .arg("--known-hosts")
        .arg(&known_hosts)
        .arg("--report")
        .arg(&report)
        .arg("--lock")
        .arg(dir.path().join("run.lock"))
        .args(["-f", &forks.to_string(), "--no-progress"])
        .args(["-e", &format!("update_timeout={update_timeout}")])
        .args(&extra)
        .env_remove("SSH_AUTH_SOCK")
        .stdin(Stdio::null())
        .stdout(log_file(dir.path(), "run.stdout")?)
        .stderr(log_file(dir.path(), "run.stderr")?)
        .spawn()
        .context("starting sshfleet run")?;
    let fds = FdSampler::start(client.id());
    let (status, client_usage) = wait_child(&client, false)?.context("the client disappeared")?;
    let peak_fds = fds.stop();
    let wall = started.elapsed();

    let mut sim_cpu = Some(Duration::ZERO);
    for sim in &mut sims {
        sim_cpu = match (sim_cpu, sim.interrupt()?) {
            (Some(total), Some(cpu)) => Some(total + cpu),
            _ => None,
        };
    }

    let text = std::fs::read_to_string(&report).with_context(|| {
        format!(
            "no report from sshfleet run (exit {status}); its output: {}",
            tail_of(&dir.path().join("run.stderr"))
        )
    })?;
    let report: serde_json::Value = serde_json::from_str(&text).context("parsing the report")?;
    let entries = report["hosts"].as_array().context("report has no hosts")?;
    let changed = entries.iter().filter(|h| h["status"] == "changed").count();
    let slowest = entries
        .iter()
        .filter_map(|h| h["duration_ms"].as_u64())
        .max()
        .unwrap_or(0);
    if changed != hosts {
        let kept = dir.keep();
        eprintln!("  (kept the run's files in {})", kept.display());
    }
    Ok(Row {
        hosts,
        peak_fds,
        forks,
        update,
        wall,
        slowest: Duration::from_millis(slowest),
        client: client_usage,
        sim_cpu,
        changed,
        reported: entries.len(),
        exit: status,
    })
}

fn log_file(dir: &Path, name: &str) -> anyhow::Result<std::fs::File> {
    std::fs::File::create(dir.join(name)).with_context(|| format!("creating {name}"))
}

fn tail_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}

/// The simulator, stopped (SIGKILL) if the benchmark fails while it runs.
struct Running(Option<Child>);

impl Running {
    fn exited(&mut self) -> anyhow::Result<Option<i32>> {
        let child = self.0.as_ref().context("already stopped")?;
        let Some((status, _)) = wait_child(child, true)? else {
            return Ok(None);
        };
        self.0 = None;
        Ok(Some(status))
    }

    /// SIGINT, as an operator's Ctrl-C, then its CPU time once it has exited.
    fn interrupt(&mut self) -> anyhow::Result<Option<Duration>> {
        let Some(child) = self.0.take() else {
            return Ok(None);
        };
        signal(&child, libc::SIGINT);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some((status, usage)) = wait_child(&child, true)? {
                if status != 0 {
                    println!("  WARNING: sshfleet sim exited {status} after SIGINT");
                }
                return Ok(Some(usage.cpu));
            }
            if Instant::now() > deadline {
                signal(&child, libc::SIGKILL);
                let _ = wait_child(&child, false);
                bail!("sshfleet sim did not stop within 60 s of SIGINT");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = self.0.take() {
            signal(&child, libc::SIGKILL);
            let _ = wait_child(&child, false);
        }
    }
}

fn signal(child: &Child, signal: libc::c_int) {
    // SAFETY: kill(2) on the pid of a child we have not reaped yet.
    unsafe {
        libc::kill(child.id() as libc::pid_t, signal);
    }
}

/// Reaps `child` with wait4(2), which reports that one process's own
/// resource usage. (getrusage(RUSAGE_CHILDREN) sums every child reaped so
/// far and keeps the largest RSS of any of them: after the first fleet size,
/// it would mix in the earlier clients and simulators.) With `poll`,
/// returns `None` while it still runs. The exit status is the code, or 128
/// plus the signal that ended it.
fn wait_child(child: &Child, poll: bool) -> anyhow::Result<Option<(i32, Usage)>> {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; zeroed is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let flags = if poll { libc::WNOHANG } else { 0 };
    let pid = loop {
        // SAFETY: valid pointers to locals, for the duration of the call.
        let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, flags, &mut usage) };
        if pid == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        break pid;
    };
    if pid == -1 {
        return Err(std::io::Error::last_os_error()).context("wait4");
    }
    if pid == 0 {
        return Ok(None);
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    // Linux reports ru_maxrss in KiB, macOS in bytes.
    let rss_unit = if cfg!(target_os = "macos") { 1 } else { 1024 };
    Ok(Some((
        code,
        Usage {
            cpu: time(usage.ru_utime) + time(usage.ru_stime),
            max_rss_bytes: usage.ru_maxrss as u64 * rss_unit,
        },
    )))
}

/// The simulator writes its inventory last, once every host listens.
fn wait_for_file(sim: &mut Running, inventory: &Path, dir: &Path) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(300);
    while !inventory.exists() {
        if let Some(code) = sim.exited()? {
            bail!(
                "sshfleet sim exited {code} before writing its inventory: {}",
                tail_of(&dir.join("sim.stderr"))
            );
        }
        if Instant::now() > deadline {
            bail!("sshfleet sim wrote no inventory within 300 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// Counts a process's open file descriptors (`/proc/PID/fd`) every 20 ms
/// while it runs, keeping the highest count.
struct FdSampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<usize>,
}

impl FdSampler {
    fn start(pid: u32) -> FdSampler {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let dir = format!("/proc/{pid}/fd");
            let mut peak = 0;
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(entries) = std::fs::read_dir(&dir) {
                    peak = peak.max(entries.count());
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            peak
        });
        FdSampler { stop, thread }
    }

    fn stop(self) -> usize {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap_or(0)
    }
}
