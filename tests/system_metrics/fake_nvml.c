/* A stand-in for libnvidia-ml.so.1 with two fake GPUs, so the GPU code paths of gpu_stats and
 * of the pynvml fallback run on machines without an NVIDIA driver. Signatures and struct
 * layouts follow nvml.h. GPU 0 runs the process named by $FAKE_NVML_PID (512 MiB) and one
 * foreign process; GPU 1 runs nothing and has no power sensor. Fan speed is unsupported. */
#include <stdlib.h>
#include <string.h>

typedef int nvmlReturn_t;
typedef struct fake_device { unsigned int index; } *nvmlDevice_t;
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId, computeInstanceId;
} nvmlProcessInfo_t;

enum { OK = 0, INVALID_ARGUMENT = 2, NOT_SUPPORTED = 3, INSUFFICIENT_SIZE = 7 };

static struct fake_device devices[2] = {{0}, {1}};

nvmlReturn_t nvmlInit_v2(void) { return OK; }
nvmlReturn_t nvmlInitWithFlags(unsigned int flags) { (void)flags; return OK; }
nvmlReturn_t nvmlShutdown(void) { return OK; }

const char *nvmlErrorString(nvmlReturn_t r) {
    switch (r) {
    case OK: return "Success";
    case INVALID_ARGUMENT: return "Invalid Argument";
    case NOT_SUPPORTED: return "Not Supported";
    case INSUFFICIENT_SIZE: return "Insufficient Size";
    default: return "Unknown Error";
    }
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *n) { *n = 2; return OK; }

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int i, nvmlDevice_t *d) {
    if (i > 1) return INVALID_ARGUMENT;
    *d = &devices[i];
    return OK;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u) {
    u->gpu = d->index == 0 ? 42 : 7;
    u->memory = d->index == 0 ? 17 : 3;
    return OK;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *m) {
    m->total = 80ULL << 30;
    m->used = d->index == 0 ? 20ULL << 30 : 1ULL << 30;
    m->free = m->total - m->used;
    return OK;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor, unsigned int *t) {
    if (sensor != 0) return INVALID_ARGUMENT;
    *t = d->index == 0 ? 55 : 40;
    return OK;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned int *mw) {
    if (d->index == 1) return NOT_SUPPORTED;
    *mw = 150000;
    return OK;
}

nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t d, unsigned int *mw) {
    (void)d;
    *mw = 300000;
    return OK;
}

nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t d, int type, unsigned int *mhz) {
    (void)d;
    if (type == 1) *mhz = 1410;      /* SM */
    else if (type == 2) *mhz = 1593; /* memory */
    else return INVALID_ARGUMENT;
    return OK;
}

nvmlReturn_t nvmlDeviceGetFanSpeed(nvmlDevice_t d, unsigned int *s) {
    (void)d; (void)s;
    return NOT_SUPPORTED;
}

nvmlReturn_t nvmlDeviceGetPcieThroughput(nvmlDevice_t d, int counter, unsigned int *kbps) {
    (void)d;
    *kbps = counter == 0 ? 1000 : 2000;
    return OK;
}

static nvmlReturn_t fill(nvmlDevice_t d, unsigned int *count, nvmlProcessInfo_t *out) {
    const char *env = getenv("FAKE_NVML_PID");
    nvmlProcessInfo_t procs[2];
    unsigned int n = 0;
    memset(procs, 0, sizeof procs);
    if (d->index == 0) {
        procs[n].pid = env ? (unsigned int)atoi(env) : 0;
        procs[n++].usedGpuMemory = 512ULL << 20;
        procs[n].pid = 1; /* someone else's process */
        procs[n++].usedGpuMemory = 1ULL << 30;
    }
    if (*count < n) {
        *count = n;
        return INSUFFICIENT_SIZE;
    }
    *count = n;
    if (n) memcpy(out, procs, n * sizeof *out);
    return OK;
}

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t d, unsigned int *c, nvmlProcessInfo_t *p) {
    return fill(d, c, p);
}

static nvmlReturn_t none(unsigned int *count) { *count = 0; return OK; }

nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v3(nvmlDevice_t d, unsigned int *c, nvmlProcessInfo_t *p) {
    (void)d; (void)p;
    return none(c);
}

nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v2(nvmlDevice_t d, unsigned int *c, nvmlProcessInfo_t *p) {
    (void)d; (void)p;
    return none(c);
}
