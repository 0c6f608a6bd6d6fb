//! Host and process-tree metrics from /proc, as deltas or totals since the sampler started.

use crate::json::Object;
use crate::procfs::{self, CpuTimes};
use crate::sys;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;
use std::time::Instant;

pub struct HostSampler {
    disk_path: String,
    disks: Vec<String>,
    // Baselines: MLflow and wandb report disk and network traffic since monitoring began.
    disk_base: HashMap<String, (u64, u64)>,
    net_base: (u64, u64),
    prev_cpu: (CpuTimes, Vec<(usize, CpuTimes)>),
    prev_proc_ticks: HashMap<i32, u64>,
    prev_instant: Instant,
    ticks_per_second: f64,
    /// Whether this kernel has /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN).
    children_files: bool,
}

impl HostSampler {
    /// Takes the baseline readings; the first `sample` reports deltas against them.
    pub fn new(disk_path: &str, root_pid: i32) -> Self {
        let mut sampler = HostSampler {
            disk_path: disk_path.to_string(),
            disks: procfs::select_disks(&sys_block_entries()),
            disk_base: HashMap::new(),
            net_base: (0, 0),
            prev_cpu: procfs::parse_stat(&read("/proc/stat")),
            prev_proc_ticks: HashMap::new(),
            prev_instant: Instant::now(),
            ticks_per_second: sys::clock_ticks(),
            children_files: Path::new("/proc/self/task").exists()
                && Path::new(&format!("/proc/{0}/task/{0}/children", std::process::id())).exists(),
        };
        sampler.disk_base = sampler.disk_counters();
        sampler.net_base = net_totals();
        let tree = sampler.process_tree(root_pid);
        sampler.prev_proc_ticks = tree
            .iter()
            .filter_map(|&pid| Some((pid, read_pid_stat(pid)?.cpu_ticks)))
            .collect();
        sampler
    }

    /// Adds the host sections to `out` and any failures to `errors`.
    pub fn sample(&mut self, tree: &[i32], out: &mut Object, errors: &mut Object) {
        let now = Instant::now();
        let elapsed = now.duration_since(self.prev_instant).as_secs_f64();
        self.prev_instant = now;

        let cpu_count = self.sample_cpu(out);
        let mem = procfs::parse_meminfo(&read("/proc/meminfo"));
        sample_memory(&mem, out);
        self.sample_disk(out, errors);
        self.sample_disk_io(out);
        let (rx, tx) = net_totals();
        let mut net = Object::new();
        net.insert("rx_bytes", rx.saturating_sub(self.net_base.0));
        net.insert("tx_bytes", tx.saturating_sub(self.net_base.1));
        out.insert("network", net);
        self.sample_process(tree, elapsed, cpu_count, mem.total, out, errors);
    }

    /// Returns the number of CPUs, which normalises process CPU like wandb does.
    fn sample_cpu(&mut self, out: &mut Object) -> usize {
        let (total, cores) = procfs::parse_stat(&read("/proc/stat"));
        let mut cpu = Object::new();
        cpu.insert("percent", total.percent_since(&self.prev_cpu.0));
        cpu.insert("count", cores.len());
        let mut per_core = Object::new();
        for (index, times) in &cores {
            if let Some((_, prev)) = self.prev_cpu.1.iter().find(|(i, _)| i == index) {
                per_core.insert(index.to_string(), times.percent_since(prev));
            }
        }
        cpu.insert("cores", per_core);
        out.insert("cpu", cpu);
        let count = cores.len();
        self.prev_cpu = (total, cores);
        count
    }

    fn sample_disk(&self, out: &mut Object, errors: &mut Object) {
        match sys::disk_usage(&self.disk_path) {
            Ok((total, used, avail)) => {
                let mut disk = Object::new();
                disk.insert("path", self.disk_path.as_str());
                disk.insert("total_bytes", total);
                disk.insert("used_bytes", used);
                disk.insert("available_bytes", avail);
                // psutil's definition: percent of the space a normal user can use.
                let usable = used + avail;
                let pct = if usable > 0 {
                    used as f64 / usable as f64 * 100.0
                } else {
                    0.0
                };
                disk.insert("used_percent", pct);
                out.insert("disk", disk);
            }
            Err(e) => errors.insert("disk", format!("statvfs({}): {e}", self.disk_path)),
        }
    }

    fn sample_disk_io(&self, out: &mut Object) {
        let now = self.disk_counters();
        let (mut read_total, mut write_total) = (0, 0);
        let mut devices = Object::new();
        for name in &self.disks {
            let (Some(&(r, w)), Some(&(r0, w0))) = (now.get(name), self.disk_base.get(name)) else {
                continue;
            };
            let (r, w) = (r.saturating_sub(r0), w.saturating_sub(w0));
            read_total += r;
            write_total += w;
            let mut dev = Object::new();
            dev.insert("read_bytes", r);
            dev.insert("write_bytes", w);
            devices.insert(name.as_str(), dev);
        }
        let mut io = Object::new();
        io.insert("read_bytes", read_total);
        io.insert("write_bytes", write_total);
        io.insert("devices", devices);
        out.insert("disk_io", io);
    }

    fn disk_counters(&self) -> HashMap<String, (u64, u64)> {
        procfs::parse_diskstats(&read("/proc/diskstats"))
            .into_iter()
            .filter(|(name, _, _)| self.disks.contains(name))
            .map(|(name, r, w)| (name, (r, w)))
            .collect()
    }

    fn sample_process(
        &mut self,
        tree: &[i32],
        elapsed: f64,
        cpu_count: usize,
        mem_total: u64,
        out: &mut Object,
        errors: &mut Object,
    ) {
        let (mut ticks, mut rss, mut threads, mut alive) = (0u64, 0u64, 0u64, 0usize);
        let mut seen = HashMap::with_capacity(tree.len());
        for &pid in tree {
            let Some(stat) = read_pid_stat(pid) else {
                continue;
            };
            alive += 1;
            // A process born since the last sample spent all its CPU time in this interval.
            let before = self.prev_proc_ticks.get(&pid).copied().unwrap_or(0);
            ticks += stat.cpu_ticks.saturating_sub(before);
            threads += stat.threads;
            rss += procfs::parse_status_rss(&read(&format!("/proc/{pid}/status")));
            seen.insert(pid, stat.cpu_ticks);
        }
        self.prev_proc_ticks = seen;
        if alive == 0 {
            errors.insert(
                "process",
                format!("no such process: {}", tree.first().unwrap_or(&0)),
            );
            return;
        }
        let core_pct = if elapsed > 0.0 {
            ticks as f64 / self.ticks_per_second / elapsed * 100.0
        } else {
            0.0
        };
        let mut proc = Object::new();
        proc.insert("tree_size", alive);
        proc.insert("cpu_core_percent", core_pct);
        proc.insert("cpu_percent", core_pct / cpu_count.max(1) as f64);
        proc.insert("rss_bytes", rss);
        if mem_total > 0 {
            proc.insert("memory_percent", rss as f64 / mem_total as f64 * 100.0);
        }
        proc.insert("threads", threads);
        out.insert("process", proc);
    }

    /// `root` and all its descendants (root first), leaving out this sampler itself.
    pub fn process_tree(&self, root: i32) -> Vec<i32> {
        let mut tree = self.full_tree(root);
        let me = std::process::id() as i32;
        tree.retain(|&pid| pid != me);
        tree
    }

    fn full_tree(&self, root: i32) -> Vec<i32> {
        let children = |pid: i32| -> Vec<i32> {
            // Children are listed under the thread that forked them, so read every task.
            list_dir(&format!("/proc/{pid}/task"))
                .iter()
                .flat_map(|task| {
                    procfs::parse_children(&read(&format!("/proc/{pid}/task/{task}/children")))
                })
                .collect()
        };
        if self.children_files {
            walk_tree(root, children)
        } else {
            let pairs: Vec<(i32, i32)> = list_dir("/proc")
                .iter()
                .filter_map(|name| name.parse::<i32>().ok())
                .filter_map(|pid| Some((pid, read_pid_stat(pid)?.ppid)))
                .collect();
            descendants(root, &pairs)
        }
    }
}

fn sample_memory(m: &procfs::MemInfo, out: &mut Object) {
    let pct = |part: u64, whole: u64| {
        if whole > 0 {
            part as f64 / whole as f64 * 100.0
        } else {
            0.0
        }
    };
    let mut mem = Object::new();
    mem.insert("total_bytes", m.total);
    mem.insert("available_bytes", m.available);
    mem.insert("used_bytes", m.used());
    mem.insert("used_percent", pct(m.used(), m.total));
    out.insert("memory", mem);

    let swap_used = m.swap_total.saturating_sub(m.swap_free);
    let mut swap = Object::new();
    swap.insert("total_bytes", m.swap_total);
    swap.insert("used_bytes", swap_used);
    swap.insert("used_percent", pct(swap_used, m.swap_total));
    out.insert("swap", swap);
}

/// Descendants of `root` from (pid, ppid) pairs, root first; used when the kernel has no
/// children files.
pub fn descendants(root: i32, pairs: &[(i32, i32)]) -> Vec<i32> {
    walk_tree(root, |parent| {
        pairs
            .iter()
            .filter(|&&(_, ppid)| ppid == parent)
            .map(|&(pid, _)| pid)
            .collect()
    })
}

/// Breadth-first walk from `root`; the visited set stops pid-reuse cycles.
fn walk_tree(root: i32, children: impl Fn(i32) -> Vec<i32>) -> Vec<i32> {
    let mut seen = HashSet::from([root]);
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        for child in children(tree[i]) {
            if seen.insert(child) {
                tree.push(child);
            }
        }
        i += 1;
    }
    tree
}

fn net_totals() -> (u64, u64) {
    procfs::parse_net_dev(&read("/proc/net/dev"))
        .iter()
        .fold((0, 0), |(rx, tx), (_, r, t)| (rx + r, tx + t))
}

fn sys_block_entries() -> Vec<(String, bool)> {
    list_dir("/sys/block")
        .into_iter()
        .map(|name| {
            let has_device = Path::new(&format!("/sys/block/{name}/device")).exists();
            (name, has_device)
        })
        .collect()
}

fn read_pid_stat(pid: i32) -> Option<procfs::PidStat> {
    procfs::parse_pid_stat(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Missing files read as empty: the parsers then yield nothing, which is what we want.
fn read(path: &str) -> String {
    fs::read_to_string(path).unwrap_or_default()
}

fn list_dir(path: &str) -> Vec<String> {
    fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descendants_walks_the_tree() {
        let pairs = [
            (1, 0),
            (10, 1),
            (11, 10),
            (12, 10),
            (13, 11),
            (20, 1),
            (30, 12),
        ];
        assert_eq!(descendants(10, &pairs), vec![10, 11, 12, 13, 30]);
        assert_eq!(descendants(99, &pairs), vec![99]);
    }

    #[test]
    fn descendants_survives_cycles() {
        let pairs = [(2, 3), (3, 2)];
        assert_eq!(descendants(2, &pairs), vec![2, 3]);
    }

    #[test]
    fn samples_the_parent_tree_without_itself() {
        let parent = sys::parent_pid();
        let mut sampler = HostSampler::new("/", parent);
        let tree = sampler.process_tree(parent);
        assert_eq!(tree[0], parent);
        assert!(!tree.contains(&(std::process::id() as i32)));
        let (mut out, mut errors) = (Object::new(), Object::new());
        sampler.sample(&tree, &mut out, &mut errors);
        let line = out.to_line();
        for key in [
            "\"cpu\"",
            "\"memory\"",
            "\"disk\"",
            "\"network\"",
            "\"process\"",
            "\"rss_bytes\"",
        ] {
            assert!(line.contains(key), "{key} missing from {line}");
        }
        assert!(errors.is_empty(), "{}", errors.to_line());
    }
}
