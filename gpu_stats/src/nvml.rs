//! NVIDIA GPU metrics through NVML, loaded with dlopen so the binary runs (and reports the
//! failure as data) on machines without the driver.

use crate::json::Object;
use crate::sys;
use std::ffi::{c_char, c_int, c_uint, c_void, CStr};

type Ret = c_int;
type Device = *mut c_void;

const SUCCESS: Ret = 0;
const ERROR_INSUFFICIENT_SIZE: Ret = 7;
const TEMPERATURE_GPU: c_int = 0;
const CLOCK_SM: c_int = 1;
const CLOCK_MEM: c_int = 2;
const PCIE_UTIL_TX_BYTES: c_int = 0;
const PCIE_UTIL_RX_BYTES: c_int = 1;
/// NVML_VALUE_NOT_AVAILABLE: per-process memory is hidden (e.g. under some virtualisation).
const VALUE_NOT_AVAILABLE: u64 = u64::MAX;

#[repr(C)]
#[derive(Default)]
struct Utilization {
    gpu: c_uint,
    memory: c_uint,
}

#[repr(C)]
#[derive(Default)]
struct Memory {
    total: u64,
    free: u64,
    used: u64,
}

/// nvmlProcessInfo_t as used by the `_v2`/`_v3` process queries.
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct ProcessInfoV2 {
    pid: c_uint,
    used_gpu_memory: u64,
    gpu_instance_id: c_uint,
    compute_instance_id: c_uint,
}

/// nvmlProcessInfo_v1_t as used by the unversioned process queries of old drivers.
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct ProcessInfoV1 {
    pid: c_uint,
    used_gpu_memory: u64,
}

type ProcsV2 = unsafe extern "C" fn(Device, *mut c_uint, *mut ProcessInfoV2) -> Ret;
type ProcsV1 = unsafe extern "C" fn(Device, *mut c_uint, *mut ProcessInfoV1) -> Ret;
type GetU32 = unsafe extern "C" fn(Device, *mut c_uint) -> Ret;
type GetU32Arg = unsafe extern "C" fn(Device, c_int, *mut c_uint) -> Ret;

#[derive(Clone, Copy)]
enum ProcQuery {
    V2(ProcsV2),
    V1(ProcsV1),
}

/// Function pointers resolved from the library. Optional ones may be missing on old drivers.
pub struct Nvml {
    error_string: unsafe extern "C" fn(Ret) -> *const c_char,
    device_count: unsafe extern "C" fn(*mut c_uint) -> Ret,
    handle_by_index: unsafe extern "C" fn(c_uint, *mut Device) -> Ret,
    utilization: Option<unsafe extern "C" fn(Device, *mut Utilization) -> Ret>,
    memory_info: Option<unsafe extern "C" fn(Device, *mut Memory) -> Ret>,
    temperature: Option<GetU32Arg>,
    power_usage: Option<GetU32>,
    power_limit: Option<GetU32>,
    clock_info: Option<GetU32Arg>,
    fan_speed: Option<GetU32>,
    pcie_throughput: Option<GetU32Arg>,
    compute_procs: Option<ProcQuery>,
    graphics_procs: Option<ProcQuery>,
}

/// Resolves the first of `names` that the library exports, as a function pointer of type `$t`.
macro_rules! sym {
    ($lib:expr, $t:ty, $($name:literal),+) => {{
        let mut found: Option<$t> = None;
        $(
            if found.is_none() {
                // SAFETY: the symbol is an NVML function whose C signature matches `$t`.
                found = sys::dl_sym($lib, $name)
                    .map(|p| unsafe { std::mem::transmute::<*mut c_void, $t>(p) });
            }
        )+
        found
    }};
}

impl Nvml {
    /// dlopens NVML and initialises it; the error string is reported as data by the caller.
    pub fn load(path: &str) -> Result<Nvml, String> {
        let lib = sys::dl_open(path)?;
        let missing = |name: &str| format!("{path}: missing symbol {name}");
        let init = sym!(
            lib,
            unsafe extern "C" fn() -> Ret,
            "nvmlInit_v2",
            "nvmlInit"
        )
        .ok_or_else(|| missing("nvmlInit_v2"))?;
        let nvml = Nvml {
            error_string: sym!(
                lib,
                unsafe extern "C" fn(Ret) -> *const c_char,
                "nvmlErrorString"
            )
            .ok_or_else(|| missing("nvmlErrorString"))?,
            device_count: sym!(
                lib,
                unsafe extern "C" fn(*mut c_uint) -> Ret,
                "nvmlDeviceGetCount_v2",
                "nvmlDeviceGetCount"
            )
            .ok_or_else(|| missing("nvmlDeviceGetCount_v2"))?,
            handle_by_index: sym!(
                lib,
                unsafe extern "C" fn(c_uint, *mut Device) -> Ret,
                "nvmlDeviceGetHandleByIndex_v2",
                "nvmlDeviceGetHandleByIndex"
            )
            .ok_or_else(|| missing("nvmlDeviceGetHandleByIndex_v2"))?,
            utilization: sym!(
                lib,
                unsafe extern "C" fn(Device, *mut Utilization) -> Ret,
                "nvmlDeviceGetUtilizationRates"
            ),
            memory_info: sym!(
                lib,
                unsafe extern "C" fn(Device, *mut Memory) -> Ret,
                "nvmlDeviceGetMemoryInfo"
            ),
            temperature: sym!(lib, GetU32Arg, "nvmlDeviceGetTemperature"),
            power_usage: sym!(lib, GetU32, "nvmlDeviceGetPowerUsage"),
            power_limit: sym!(lib, GetU32, "nvmlDeviceGetEnforcedPowerLimit"),
            clock_info: sym!(lib, GetU32Arg, "nvmlDeviceGetClockInfo"),
            fan_speed: sym!(lib, GetU32, "nvmlDeviceGetFanSpeed"),
            pcie_throughput: sym!(lib, GetU32Arg, "nvmlDeviceGetPcieThroughput"),
            compute_procs: proc_query(
                sym!(
                    lib,
                    ProcsV2,
                    "nvmlDeviceGetComputeRunningProcesses_v3",
                    "nvmlDeviceGetComputeRunningProcesses_v2"
                ),
                sym!(lib, ProcsV1, "nvmlDeviceGetComputeRunningProcesses"),
            ),
            graphics_procs: proc_query(
                sym!(
                    lib,
                    ProcsV2,
                    "nvmlDeviceGetGraphicsRunningProcesses_v3",
                    "nvmlDeviceGetGraphicsRunningProcesses_v2"
                ),
                sym!(lib, ProcsV1, "nvmlDeviceGetGraphicsRunningProcesses"),
            ),
        };
        // SAFETY: init was resolved from NVML and takes no arguments.
        let ret = unsafe { init() };
        if ret != SUCCESS {
            return Err(format!("nvmlInit failed: {}", nvml.error(ret)));
        }
        Ok(nvml)
    }

    fn error(&self, ret: Ret) -> String {
        // SAFETY: nvmlErrorString returns a static NUL-terminated string (or NULL).
        let msg = unsafe { (self.error_string)(ret) };
        if msg.is_null() {
            format!("NVML error {ret}")
        } else {
            // SAFETY: checked non-null above.
            unsafe { CStr::from_ptr(msg) }
                .to_string_lossy()
                .into_owned()
        }
    }

    fn check(&self, ret: Ret) -> Result<(), String> {
        if ret == SUCCESS {
            Ok(())
        } else {
            Err(self.error(ret))
        }
    }

    pub fn device_count(&self) -> Result<u32, String> {
        let mut n: c_uint = 0;
        // SAFETY: n is a valid out-pointer.
        self.check(unsafe { (self.device_count)(&mut n) })?;
        Ok(n)
    }

    /// One GPU's metrics. Each failing call omits its fields and records why under "errors".
    pub fn sample_device(&self, index: u32, tree: &[i32]) -> Object {
        let mut gpu = Object::new();
        let mut errors = Object::new();
        let mut dev: Device = std::ptr::null_mut();
        // SAFETY: dev is a valid out-pointer.
        if let Err(e) = self.check(unsafe { (self.handle_by_index)(index, &mut dev) }) {
            errors.insert("handle", e);
            gpu.insert("errors", errors);
            return gpu;
        }
        // Each closure returns the error text, so one failure never hides the other metrics.
        let mut record = |name: &str, result: Result<(), String>| {
            if let Err(e) = result {
                errors.insert(name, e);
            }
        };

        record("utilization", self.utilization(dev, &mut gpu));
        record("memory", self.memory(dev, &mut gpu));
        let mut get = |name: &str, field: &str, scale: f64, f: Option<GetU32>| {
            let v = self.get_u32(dev, f).map(|v| f64::from(v) * scale);
            if let Ok(v) = v {
                gpu.insert(field, v);
            }
            record(name, v.map(|_| ()));
        };
        get("power_usage", "power_watts", 1e-3, self.power_usage);
        get("power_limit", "power_limit_watts", 1e-3, self.power_limit);
        get("fan_speed", "fan_speed_percent", 1.0, self.fan_speed);
        let args = [
            (
                "temperature",
                "temperature_celsius",
                self.temperature,
                TEMPERATURE_GPU,
                1.0,
            ),
            ("sm_clock", "sm_clock_mhz", self.clock_info, CLOCK_SM, 1.0),
            (
                "memory_clock",
                "memory_clock_mhz",
                self.clock_info,
                CLOCK_MEM,
                1.0,
            ),
            // NVML reports PCIe throughput in KB/s over a short window.
            (
                "pcie_tx",
                "pcie_tx_bytes_per_second",
                self.pcie_throughput,
                PCIE_UTIL_TX_BYTES,
                1024.0,
            ),
            (
                "pcie_rx",
                "pcie_rx_bytes_per_second",
                self.pcie_throughput,
                PCIE_UTIL_RX_BYTES,
                1024.0,
            ),
        ];
        for (name, field, f, arg, scale) in args {
            match self.get_u32_arg(dev, f, arg) {
                Ok(v) => gpu.insert(field, f64::from(v) * scale),
                Err(e) => record(name, Err(e)),
            }
        }
        derive_power_percent(&mut gpu);
        match self.process_memory(dev, tree) {
            Ok((in_use, bytes)) => {
                gpu.insert("in_use_by_process", i64::from(in_use));
                gpu.insert("process_memory_used_bytes", bytes);
            }
            Err(e) => record("processes", Err(e)),
        }
        if !errors.is_empty() {
            gpu.insert("errors", errors);
        }
        gpu
    }

    fn utilization(&self, dev: Device, gpu: &mut Object) -> Result<(), String> {
        let f = self.utilization.ok_or("not exported by this NVML")?;
        let mut u = Utilization::default();
        // SAFETY: u is a valid out-struct matching nvmlUtilization_t.
        self.check(unsafe { f(dev, &mut u) })?;
        gpu.insert("utilization_percent", f64::from(u.gpu));
        gpu.insert("memory_utilization_percent", f64::from(u.memory));
        Ok(())
    }

    fn memory(&self, dev: Device, gpu: &mut Object) -> Result<(), String> {
        let f = self.memory_info.ok_or("not exported by this NVML")?;
        let mut m = Memory::default();
        // SAFETY: m is a valid out-struct matching nvmlMemory_t.
        self.check(unsafe { f(dev, &mut m) })?;
        gpu.insert("memory_total_bytes", m.total);
        gpu.insert("memory_used_bytes", m.used);
        if m.total > 0 {
            gpu.insert(
                "memory_used_percent",
                m.used as f64 / m.total as f64 * 100.0,
            );
        }
        Ok(())
    }

    fn get_u32(&self, dev: Device, f: Option<GetU32>) -> Result<u32, String> {
        let f = f.ok_or("not exported by this NVML")?;
        let mut v: c_uint = 0;
        // SAFETY: v is a valid out-pointer.
        self.check(unsafe { f(dev, &mut v) })?;
        Ok(v)
    }

    fn get_u32_arg(&self, dev: Device, f: Option<GetU32Arg>, arg: c_int) -> Result<u32, String> {
        let f = f.ok_or("not exported by this NVML")?;
        let mut v: c_uint = 0;
        // SAFETY: v is a valid out-pointer; arg is a valid enum value for f.
        self.check(unsafe { f(dev, arg, &mut v) })?;
        Ok(v)
    }

    /// Whether any pid of the tree runs on the device, and the GPU memory those pids hold.
    fn process_memory(&self, dev: Device, tree: &[i32]) -> Result<(bool, u64), String> {
        if self.compute_procs.is_none() && self.graphics_procs.is_none() {
            return Err("not exported by this NVML".to_string());
        }
        let mut procs = Vec::new();
        for query in [self.compute_procs, self.graphics_procs]
            .into_iter()
            .flatten()
        {
            procs.extend(self.running_processes(dev, query)?);
        }
        let mut in_use = false;
        let mut bytes = 0u64;
        for (pid, mem) in procs {
            if tree.contains(&(pid as i32)) {
                in_use = true;
                if mem != VALUE_NOT_AVAILABLE {
                    bytes += mem;
                }
            }
        }
        Ok((in_use, bytes))
    }

    fn running_processes(&self, dev: Device, query: ProcQuery) -> Result<Vec<(u32, u64)>, String> {
        match query {
            ProcQuery::V2(f) => {
                self.query_procs(dev, f, |p: &ProcessInfoV2| (p.pid, p.used_gpu_memory))
            }
            ProcQuery::V1(f) => {
                self.query_procs(dev, f, |p: &ProcessInfoV1| (p.pid, p.used_gpu_memory))
            }
        }
    }

    /// NVML's two-call protocol: ask for the count, then fill a buffer with some headroom
    /// because processes can start between the two calls.
    fn query_procs<T: Default + Clone>(
        &self,
        dev: Device,
        f: unsafe extern "C" fn(Device, *mut c_uint, *mut T) -> Ret,
        fields: impl Fn(&T) -> (u32, u64),
    ) -> Result<Vec<(u32, u64)>, String> {
        let mut count: c_uint = 0;
        // SAFETY: a zero count with a null buffer is the documented size query.
        let ret = unsafe { f(dev, &mut count, std::ptr::null_mut()) };
        if ret == SUCCESS {
            return Ok(Vec::new());
        }
        if ret != ERROR_INSUFFICIENT_SIZE {
            return Err(self.error(ret));
        }
        let mut buf = vec![T::default(); count as usize + 16];
        let mut count = buf.len() as c_uint;
        // SAFETY: buf holds `count` elements of the struct layout f expects.
        self.check(unsafe { f(dev, &mut count, buf.as_mut_ptr()) })?;
        Ok(buf.iter().take(count as usize).map(fields).collect())
    }
}

fn proc_query(v2: Option<ProcsV2>, v1: Option<ProcsV1>) -> Option<ProcQuery> {
    v2.map(ProcQuery::V2).or(v1.map(ProcQuery::V1))
}

/// powerPercent needs both readings; computed after the fact so either can fail alone.
fn derive_power_percent(gpu: &mut Object) {
    let find = |key: &str| {
        gpu.0
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| match v {
                crate::json::Json::Num(n) => Some(*n),
                _ => None,
            })
    };
    if let (Some(watts), Some(limit)) = (find("power_watts"), find("power_limit_watts")) {
        if limit > 0.0 {
            gpu.insert("power_percent", watts / limit * 100.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_library_is_an_error_value() {
        let err = Nvml::load("/nonexistent/libnvidia-ml.so.1").err().unwrap();
        assert!(err.contains("nonexistent"), "{err}");
    }

    #[test]
    fn library_without_nvml_symbols_is_an_error_value() {
        // libc is always loadable and exports no NVML symbols.
        let err = Nvml::load("libc.so.6").err().unwrap();
        assert!(err.contains("missing symbol nvmlInit_v2"), "{err}");
    }

    #[test]
    fn power_percent_needs_both_readings() {
        let mut gpu = Object::new();
        gpu.insert("power_watts", 150.0);
        derive_power_percent(&mut gpu);
        assert_eq!(gpu.0.len(), 1);
        gpu.insert("power_limit_watts", 300.0);
        derive_power_percent(&mut gpu);
        assert_eq!(
            gpu.to_line(),
            r#"{"power_watts":150.0,"power_limit_watts":300.0,"power_percent":50.0}"#
        );
    }
}
