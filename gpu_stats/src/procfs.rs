//! Pure parsers for the /proc files the host sampler reads. They take file text so the
//! unit tests can feed them fixed samples.

/// Jiffies from one `cpu` line of /proc/stat, reduced to what a utilisation needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTimes {
    pub busy: u64,
    pub total: u64,
}

impl CpuTimes {
    /// Utilisation in percent between an earlier reading and this one.
    pub fn percent_since(&self, earlier: &CpuTimes) -> f64 {
        let total = self.total.saturating_sub(earlier.total);
        if total == 0 {
            return 0.0;
        }
        let busy = self.busy.saturating_sub(earlier.busy);
        (busy as f64 / total as f64 * 100.0).clamp(0.0, 100.0)
    }
}

/// /proc/stat: the aggregate `cpu` line and each `cpuN` line (N, times), in file order.
pub fn parse_stat(text: &str) -> (CpuTimes, Vec<(usize, CpuTimes)>) {
    let mut total = CpuTimes::default();
    let mut cores = Vec::new();
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let Some(label) = fields.next() else { continue };
        let Some(rest) = label.strip_prefix("cpu") else {
            continue;
        };
        let values: Vec<u64> = fields.map(|f| f.parse().unwrap_or(0)).collect();
        let times = cpu_times(&values);
        if rest.is_empty() {
            total = times;
        } else if let Ok(index) = rest.parse() {
            cores.push((index, times));
        }
    }
    (total, cores)
}

/// Same accounting as psutil.cpu_percent: idle and iowait are idle; guest time is already
/// inside user/nice, so it is not counted twice.
fn cpu_times(v: &[u64]) -> CpuTimes {
    let get = |i: usize| v.get(i).copied().unwrap_or(0);
    let (user, nice, system, idle, iowait, irq, softirq, steal) = (
        get(0),
        get(1),
        get(2),
        get(3),
        get(4),
        get(5),
        get(6),
        get(7),
    );
    let total = user + nice + system + idle + iowait + irq + softirq + steal;
    CpuTimes {
        busy: total - idle - iowait,
        total,
    }
}

/// The /proc/meminfo fields we use, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemInfo {
    pub total: u64,
    pub free: u64,
    pub available: u64,
    pub buffers: u64,
    pub cached: u64,
    pub sreclaimable: u64,
    pub swap_total: u64,
    pub swap_free: u64,
}

impl MemInfo {
    /// "Used" as psutil 7 (so MLflow) and wandb 0.31 define it: total minus available.
    pub fn used(&self) -> u64 {
        self.total.saturating_sub(self.available)
    }
}

pub fn parse_meminfo(text: &str) -> MemInfo {
    let mut m = MemInfo::default();
    let mut saw_available = false;
    for line in text.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let kib: u64 = rest
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let bytes = kib * 1024;
        match key {
            "MemTotal" => m.total = bytes,
            "MemFree" => m.free = bytes,
            "MemAvailable" => {
                m.available = bytes;
                saw_available = true;
            }
            "Buffers" => m.buffers = bytes,
            "Cached" => m.cached = bytes,
            "SReclaimable" => m.sreclaimable = bytes,
            "SwapTotal" => m.swap_total = bytes,
            "SwapFree" => m.swap_free = bytes,
            _ => {}
        }
    }
    // Kernels before 3.14 have no MemAvailable; this is the usual approximation.
    if !saw_available {
        m.available = m.free + m.buffers + m.cached;
    }
    m
}

/// /proc/diskstats: (device, bytes read, bytes written). Sectors are always 512 bytes here.
pub fn parse_diskstats(text: &str) -> Vec<(String, u64, u64)> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 10 {
                return None;
            }
            let sectors = |i: usize| f[i].parse::<u64>().unwrap_or(0) * 512;
            Some((f[2].to_string(), sectors(5), sectors(9)))
        })
        .collect()
}

/// Which block devices count for disk I/O: real disks (those with a `device` link in
/// /sys/block), so partitions, loop, ram and device-mapper volumes are not counted twice.
pub fn select_disks(sys_block: &[(String, bool)]) -> Vec<String> {
    let mut disks: Vec<String> = sys_block
        .iter()
        .filter(|(_, has_device)| *has_device)
        .map(|(name, _)| name.clone())
        .collect();
    disks.sort();
    disks
}

/// /proc/net/dev: (interface, rx bytes, tx bytes). Loopback is kept, as psutil and MLflow do.
pub fn parse_net_dev(text: &str) -> Vec<(String, u64, u64)> {
    text.lines()
        .filter_map(|line| {
            let (name, rest) = line.split_once(':')?;
            let f: Vec<u64> = rest
                .split_whitespace()
                .map(|v| v.parse().unwrap_or(0))
                .collect();
            (f.len() >= 9).then(|| (name.trim().to_string(), f[0], f[8]))
        })
        .collect()
}

/// The /proc/<pid>/stat fields we use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PidStat {
    pub ppid: i32,
    /// utime + stime, in clock ticks.
    pub cpu_ticks: u64,
    pub threads: u64,
}

/// The command name is in parentheses and may itself contain spaces and ')', so fields are
/// counted from the last ')'.
pub fn parse_pid_stat(text: &str) -> Option<PidStat> {
    let after = &text[text.rfind(')')? + 1..];
    let f: Vec<&str> = after.split_whitespace().collect();
    // f[0] is field 3 (state) of proc(5), so field n is f[n - 3].
    let num = |n: usize| f.get(n - 3).and_then(|v| v.parse::<i64>().ok());
    Some(PidStat {
        ppid: num(4)? as i32,
        cpu_ticks: (num(14)? + num(15)?) as u64,
        threads: num(20)? as u64,
    })
}

/// VmRSS from /proc/<pid>/status in bytes; kernel threads and zombies have none.
pub fn parse_status_rss(text: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

/// /proc/<pid>/task/<tid>/children: space-separated pids.
pub fn parse_children(text: &str) -> Vec<i32> {
    text.split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT_A: &str = "cpu  100 0 50 800 50 0 0 0 0 0\n\
cpu0 60 0 20 400 20 0 0 0 0 0\n\
cpu1 40 0 30 400 30 0 0 0 0 0\n\
intr 12345 0 0\nctxt 999\nbtime 1700000000\n";
    const STAT_B: &str = "cpu  200 0 100 900 50 0 0 0 0 0\n\
cpu0 160 0 20 420 20 0 0 0 0 0\n\
cpu1 40 0 80 450 30 0 0 0 0 0\n";

    #[test]
    fn stat_totals_and_cores() {
        let (total, cores) = parse_stat(STAT_A);
        assert_eq!(
            total,
            CpuTimes {
                busy: 150,
                total: 1000
            }
        );
        assert_eq!(cores.len(), 2);
        assert_eq!(
            cores[1],
            (
                1,
                CpuTimes {
                    busy: 70,
                    total: 500
                }
            )
        );
    }

    #[test]
    fn stat_percent_between_readings() {
        let (a, ca) = parse_stat(STAT_A);
        let (b, cb) = parse_stat(STAT_B);
        // +150 busy out of +250 total.
        assert!((b.percent_since(&a) - 60.0).abs() < 1e-9);
        assert!((cb[0].1.percent_since(&ca[0].1) - 100.0 * 100.0 / 120.0).abs() < 1e-9);
        assert!((cb[1].1.percent_since(&ca[1].1) - 50.0).abs() < 1e-9);
        // No time passed, or counters went backwards: 0, never NaN or negative.
        assert_eq!(a.percent_since(&a), 0.0);
        assert_eq!(a.percent_since(&b), 0.0);
    }

    #[test]
    fn stat_guest_time_not_double_counted() {
        let (t, _) = parse_stat("cpu 10 0 0 90 0 0 0 0 10 0\n");
        assert_eq!(
            t,
            CpuTimes {
                busy: 10,
                total: 100
            }
        );
    }

    const MEMINFO: &str = "MemTotal:       24684092 kB\n\
MemFree:        21649264 kB\n\
MemAvailable:   24263324 kB\n\
Buffers:           53308 kB\n\
Cached:          2660684 kB\n\
SwapCached:            0 kB\n\
SReclaimable:     100000 kB\n\
SwapTotal:       2097148 kB\n\
SwapFree:        1048576 kB\n\
HugePages_Total:       0\n";

    #[test]
    fn meminfo_fields_and_used() {
        let m = parse_meminfo(MEMINFO);
        assert_eq!(m.total, 24684092 * 1024);
        assert_eq!(m.available, 24263324 * 1024);
        assert_eq!(m.swap_total, 2097148 * 1024);
        assert_eq!(m.swap_free, 1048576 * 1024);
        assert_eq!(m.used(), (24684092 - 24263324) * 1024);
    }

    #[test]
    fn meminfo_without_available() {
        let m =
            parse_meminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 20 kB\n");
        assert_eq!(m.available, 130 * 1024);
        assert_eq!(m.used(), 870 * 1024);
    }

    #[test]
    fn diskstats_bytes() {
        let text = "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n \
254       0 vda 41447 11189 2796786 9396 27614 53970 5674712 32177 0 11132 42644 9232 46 612776 871 4182 199\n \
254       1 vda1 100 0 200 0 50 0 300 0 0 0 0\n\
short line\n";
        let d = parse_diskstats(text);
        assert_eq!(d.len(), 3);
        assert_eq!(d[1], ("vda".to_string(), 2796786 * 512, 5674712 * 512));
        assert_eq!(d[2], ("vda1".to_string(), 200 * 512, 300 * 512));
    }

    #[test]
    fn disks_are_real_devices_only() {
        let entries = vec![
            ("vda".to_string(), true),
            ("loop0".to_string(), false),
            ("dm-0".to_string(), false),
            ("nvme0n1".to_string(), true),
        ];
        assert_eq!(select_disks(&entries), vec!["nvme0n1", "vda"]);
    }

    #[test]
    fn net_dev_sums() {
        let text = "Inter-|   Receive                                                |  Transmit\n \
face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    \
lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0\n  \
eth0: 326630058    6849    0    0    0     0          0         0   377111    3886    0    0    0     0       0          0\n";
        let n = parse_net_dev(text);
        assert_eq!(n.len(), 2);
        assert_eq!(n[0], ("lo".to_string(), 3193, 3193));
        assert_eq!(n[1], ("eth0".to_string(), 326630058, 377111));
    }

    #[test]
    fn pid_stat_with_awkward_comm() {
        let text = "4242 (my (odd) proc) S 4000 4242 3837 0 -1 4194304 101 0 0 0 \
250 30 7 1 20 0 12 0 25252 3133440 409 18446744073709551615 0 0\n";
        let s = parse_pid_stat(text).unwrap();
        assert_eq!(
            s,
            PidStat {
                ppid: 4000,
                cpu_ticks: 280,
                threads: 12
            }
        );
        assert_eq!(parse_pid_stat("garbage"), None);
        assert_eq!(parse_pid_stat("1 (x) S 0 1"), None);
    }

    #[test]
    fn status_rss() {
        let text = "Name:\tpython\nVmHWM:\t  2000 kB\nVmRSS:\t    1732 kB\nThreads:\t4\n";
        assert_eq!(parse_status_rss(text), 1732 * 1024);
        assert_eq!(parse_status_rss("Name:\tkthreadd\n"), 0);
    }

    #[test]
    fn children_list() {
        assert_eq!(parse_children("12 345 6789 \n"), vec![12, 345, 6789]);
        assert!(parse_children("").is_empty());
    }
}
