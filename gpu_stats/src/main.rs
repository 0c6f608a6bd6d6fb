//! gpu_stats: prints one JSON object per line per sample with host, process-tree and NVIDIA
//! GPU metrics, until its parent dies or its stdout is closed.

mod host;
mod json;
mod nvml;
mod procfs;
mod sys;

use json::Object;
use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const USAGE: &str = "usage: gpu_stats --pid PID [--interval SECONDS] [--gpu-ids 0,1] \
[--nvml-path PATH] [--disk-path PATH] [--count N] [--parent-pid PID]";

const FLAGS: [&str; 7] = [
    "--pid",
    "--interval",
    "--gpu-ids",
    "--nvml-path",
    "--disk-path",
    "--count",
    "--parent-pid",
];

/// How often the sleep between samples wakes to check that the parent is still there.
const WATCH_SLICE: Duration = Duration::from_millis(200);

#[derive(Debug, PartialEq)]
struct Args {
    pid: i32,
    interval: f64,
    gpu_ids: Option<Vec<u32>>,
    nvml_path: String,
    disk_path: String,
    count: Option<u64>,
    parent_pid: Option<i32>,
}

impl Args {
    fn parse(argv: &[String]) -> Result<Args, String> {
        let mut args = Args {
            pid: 0,
            interval: 15.0,
            gpu_ids: None,
            nvml_path: "libnvidia-ml.so.1".to_string(),
            disk_path: "/".to_string(),
            count: None,
            parent_pid: None,
        };
        let mut it = argv.iter();
        while let Some(arg) = it.next() {
            // Accept both `--flag value` and `--flag=value`.
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) => (f, Some(v.to_string())),
                None => (arg.as_str(), None),
            };
            if flag == "--help" || flag == "-h" {
                return Err(String::new());
            }
            if !FLAGS.contains(&flag) {
                return Err(format!("unknown argument {flag}"));
            }
            let value = match inline {
                Some(v) => v,
                None => it.next().cloned().ok_or(format!("{flag} needs a value"))?,
            };
            let bad = || format!("bad value for {flag}: {value:?}");
            match flag {
                "--pid" => args.pid = value.parse().map_err(|_| bad())?,
                "--interval" => args.interval = value.parse().map_err(|_| bad())?,
                "--gpu-ids" => {
                    let ids: Result<Vec<u32>, _> = value
                        .split(',')
                        .filter(|s| !s.trim().is_empty())
                        .map(|s| s.trim().parse())
                        .collect();
                    args.gpu_ids = Some(ids.map_err(|_| bad())?);
                }
                "--nvml-path" => args.nvml_path = value,
                "--disk-path" => args.disk_path = value,
                "--count" => args.count = Some(value.parse().map_err(|_| bad())?),
                "--parent-pid" => args.parent_pid = Some(value.parse().map_err(|_| bad())?),
                _ => unreachable!("checked against FLAGS above"),
            }
        }
        if args.pid <= 0 {
            return Err("--pid is required".to_string());
        }
        if !(args.interval.is_finite() && args.interval > 0.0) {
            return Err("--interval must be a positive number of seconds".to_string());
        }
        Ok(args)
    }
}

/// Decides when to stop: the parent that started us has gone (we were re-parented), or the
/// explicitly watched --parent-pid no longer exists.
struct ParentWatch {
    original_ppid: i32,
    parent_pid: Option<i32>,
}

impl ParentWatch {
    fn alive(&self) -> bool {
        sys::parent_pid() == self.original_ppid && self.parent_pid.is_none_or(sys::process_alive)
    }

    /// Sleeps `duration` in short slices; false as soon as the parent is gone.
    fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        loop {
            if !self.alive() {
                return false;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            std::thread::sleep(left.min(WATCH_SLICE));
        }
    }
}

enum Gpus {
    Loaded {
        nvml: nvml::Nvml,
        ids: Option<Vec<u32>>,
    },
    Failed(String),
}

impl Gpus {
    fn sample(&self, tree: &[i32], out: &mut Object) {
        let (nvml, ids) = match self {
            Gpus::Loaded { nvml, ids } => (nvml, ids),
            Gpus::Failed(e) => {
                out.insert("gpu_count", 0i64);
                out.insert("nvml_error", e.as_str());
                return;
            }
        };
        let count = match nvml.device_count() {
            Ok(n) => n,
            Err(e) => {
                out.insert("gpu_count", 0i64);
                out.insert("nvml_error", format!("nvmlDeviceGetCount failed: {e}"));
                return;
            }
        };
        out.insert("gpu_count", count);
        let mut gpus = Object::new();
        for index in 0..count {
            if ids.as_ref().is_none_or(|ids| ids.contains(&index)) {
                gpus.insert(index.to_string(), nvml.sample_device(index, tree));
            }
        }
        out.insert("gpu", gpus);
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match Args::parse(&argv) {
        Ok(args) => args,
        Err(msg) if msg.is_empty() => {
            println!("{USAGE}");
            return;
        }
        Err(msg) => {
            eprintln!("gpu_stats: {msg}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let watch = ParentWatch {
        original_ppid: sys::parent_pid(),
        parent_pid: args.parent_pid,
    };
    let gpus = match nvml::Nvml::load(&args.nvml_path) {
        Ok(nvml) => Gpus::Loaded {
            nvml,
            ids: args.gpu_ids.clone(),
        },
        Err(e) => Gpus::Failed(e),
    };
    let mut host = host::HostSampler::new(&args.disk_path, args.pid);
    let interval = Duration::from_secs_f64(args.interval);
    let mut stdout = std::io::stdout().lock();
    let mut written = 0u64;

    while watch.sleep(interval) {
        let tree = host.process_tree(args.pid);
        let mut out = Object::new();
        let mut errors = Object::new();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        out.insert("timestamp", now.as_secs_f64());
        out.insert("pid", i64::from(args.pid));
        host.sample(&tree, &mut out, &mut errors);
        gpus.sample(&tree, &mut out);
        if !errors.is_empty() {
            out.insert("errors", errors);
        }
        // Rust ignores SIGPIPE, so a closed reader shows up here as an error: time to go.
        if writeln!(stdout, "{}", out.to_line())
            .and_then(|_| stdout.flush())
            .is_err()
        {
            break;
        }
        written += 1;
        if args.count.is_some_and(|n| written >= n) {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Args, String> {
        Args::parse(&s.split_whitespace().map(String::from).collect::<Vec<_>>())
    }

    #[test]
    fn parses_all_flags() {
        let a = parse("--pid 42 --interval 0.5 --gpu-ids 0,2 --nvml-path /x.so --disk-path=/data --count 3 --parent-pid 7")
            .unwrap();
        assert_eq!(
            a,
            Args {
                pid: 42,
                interval: 0.5,
                gpu_ids: Some(vec![0, 2]),
                nvml_path: "/x.so".into(),
                disk_path: "/data".into(),
                count: Some(3),
                parent_pid: Some(7),
            }
        );
    }

    #[test]
    fn rejects_bad_input() {
        assert!(parse("--interval 1").unwrap_err().contains("--pid"));
        assert!(parse("--pid 1 --interval 0").is_err());
        assert!(parse("--pid 1 --interval nan").is_err());
        assert!(parse("--pid x").unwrap_err().contains("bad value"));
        assert!(parse("--pid 1 --gpu-ids 0,a").is_err());
        assert!(parse("--pid 1 --frobnicate 2")
            .unwrap_err()
            .contains("unknown"));
        assert!(parse("--pid").unwrap_err().contains("needs a value"));
        assert_eq!(parse("--help").unwrap_err(), "");
    }
}
