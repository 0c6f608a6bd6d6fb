//! The few libc calls the sampler needs, declared by hand because the crate has no dependencies.

use std::ffi::{c_char, c_int, c_long, c_void, CStr, CString};
use std::io;

pub const RTLD_NOW: c_int = 2;
const SC_CLK_TCK: c_int = 2;
const ESRCH: i32 = 3;

/// glibc's `struct statvfs` on 64-bit Linux (all counters are unsigned long = u64). We only
/// read the leading fields; the spare tail is oversized so a libc with a slightly larger
/// struct can never write past our buffer.
#[repr(C)]
#[derive(Default)]
struct StatVfs {
    f_bsize: u64,
    f_frsize: u64,
    f_blocks: u64,
    f_bfree: u64,
    f_bavail: u64,
    f_files: u64,
    f_ffree: u64,
    f_favail: u64,
    f_fsid: u64,
    f_flag: u64,
    f_namemax: u64,
    spare: [c_int; 32],
}

// libdl's symbols live in libc on glibc >= 2.34 and in libdl (which std already links) before.
extern "C" {
    fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlerror() -> *mut c_char;
    fn statvfs(path: *const c_char, buf: *mut StatVfs) -> c_int;
    fn getppid() -> c_int;
    fn kill(pid: c_int, sig: c_int) -> c_int;
    fn sysconf(name: c_int) -> c_long;
}

/// Opens a shared library, or returns dlerror()'s message.
pub fn dl_open(path: &str) -> Result<*mut c_void, String> {
    let c_path = CString::new(path).map_err(|_| format!("bad library path: {path:?}"))?;
    // SAFETY: c_path is a valid NUL-terminated string for the duration of the call.
    let handle = unsafe { dlopen(c_path.as_ptr(), RTLD_NOW) };
    if handle.is_null() {
        Err(last_dl_error())
    } else {
        Ok(handle)
    }
}

/// Looks up a symbol; None when the library does not export it.
pub fn dl_sym(handle: *mut c_void, name: &str) -> Option<*mut c_void> {
    let c_name = CString::new(name).ok()?;
    // SAFETY: handle came from dlopen and c_name is NUL-terminated.
    let sym = unsafe { dlsym(handle, c_name.as_ptr()) };
    (!sym.is_null()).then_some(sym)
}

fn last_dl_error() -> String {
    // SAFETY: dlerror returns NULL or a pointer to a NUL-terminated thread-local string.
    unsafe {
        let msg = dlerror();
        if msg.is_null() {
            "unknown dlopen error".to_string()
        } else {
            CStr::from_ptr(msg).to_string_lossy().into_owned()
        }
    }
}

/// Filesystem size of the mount holding `path`: (total, used, available-to-user) in bytes,
/// computed the way psutil.disk_usage does.
pub fn disk_usage(path: &str) -> io::Result<(u64, u64, u64)> {
    let c_path = CString::new(path).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let mut buf = StatVfs::default();
    // SAFETY: buf is a writable, suitably sized and aligned statvfs buffer.
    if unsafe { statvfs(c_path.as_ptr(), &mut buf) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let frsize = if buf.f_frsize > 0 {
        buf.f_frsize
    } else {
        buf.f_bsize
    };
    let total = buf.f_blocks * frsize;
    let used = buf.f_blocks.saturating_sub(buf.f_bfree) * frsize;
    let avail = buf.f_bavail * frsize;
    Ok((total, used, avail))
}

pub fn parent_pid() -> i32 {
    // SAFETY: getppid has no preconditions and cannot fail.
    unsafe { getppid() }
}

/// True while `pid` exists (EPERM still means it exists, just not ours).
pub fn process_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence and permission; nothing is delivered.
    if unsafe { kill(pid, 0) } == 0 {
        return true;
    }
    io::Error::last_os_error().raw_os_error() != Some(ESRCH)
}

/// Kernel clock ticks per second, the unit of utime/stime in /proc/<pid>/stat.
pub fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { sysconf(SC_CLK_TCK) };
    if ticks > 0 {
        ticks as f64
    } else {
        100.0
    }
}
