// GoKer moby#4951 (Resource Deadlock: AB-BA deadlock).
// Origin: moby/moby PR 4951; GoKer file
// goker/blocking/moby/4951/moby4951_test.go.
//
// DeleteDevice() locks the device set, then the device's own lock, then
// (in removeDeviceAndWait) unlocks the device set, sleeps 300ns and locks
// it again, still holding the device lock. The test deletes the same
// device from two goroutines and returns. While the first sleeps, the
// second takes the device set and waits for the device lock; the first
// wakes and waits for the device set: AB-BA, and both leak. Under a seed
// the sleep hands the device set over on every schedule, and the deadlock
// detector reports the cycle as it closes (`fatal error: deadlock: lock
// cycle`, `bug: fatal`). Free-running, the first goroutine was always
// back from its 300ns sleep before the second took the device set (no
// deadlock in our runs), but every run takes the two locks in both orders
// (device set then device lock, and device lock then device set after
// the sleep), which the lock-order detector reports at exit
// (`WARNING: POTENTIAL DEADLOCK`, exit 66). At GOMAXPROCS=2 the two
// goroutines really run side by side and a loaded machine can close the
// cycle in a free run too (CI saw it once), so free runs are checked at
// GOMAXPROCS=1 only, where the order is the runtime's. The map of devices
// (two entries) is a two-slot table.
// (Go's profile: (*DeviceSet).DeleteDevice [sync.Mutex.Lock].)
//
// expect: exit 66
// gomaxprocs: 1
// needs: detector
// stderr: WARNING: POTENTIAL DEADLOCK (lock order inversion)
// bug: fatal
// seeds: 20 the bug shows within the first 3 seeds (README.md)
#include <gorace.h>
#include <stddef.h>
#include <string.h>

struct dev_info {
    go_mutex lock;
    const char *name;
};

struct device_set {
    go_mutex mu;               /* the embedded sync.Mutex */
    struct dev_info *infos[2]; /* map[string]*DevInfo */
    int n;
    int nr_deleted_devices;
};

static struct dev_info *lookup_device(struct device_set *d, const char *hash)
{
    for (int i = 0; i < d->n; i++)
        if (strcmp(d->infos[i]->name, hash) == 0)
            return d->infos[i];
    return NULL;
}

static void remove_device_and_wait(struct device_set *d, const char *devname)
{
    (void)devname; /* remove devices by devname */
    go_mutex_unlock(&d->mu);
    go_sleep(300 * GO_NANOSECOND);
    go_mutex_lock(&d->mu);
}

static void delete_device_locked(struct device_set *d, struct dev_info *info)
{
    remove_device_and_wait(d, info->name);
}

struct delete_arg {
    struct device_set *d;
    const char *hash;
};

static void delete_device(void *arg)
{
    struct delete_arg *a = arg;
    struct device_set *d = a->d;
    go_mutex_lock(&d->mu);
    struct dev_info *info = lookup_device(d, a->hash);
    go_mutex_lock(&info->lock);
    delete_device_locked(d, info);
    go_mutex_unlock(&info->lock); /* deferred, in reverse order */
    go_mutex_unlock(&d->mu);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static struct dev_info info1 = {.name = "info1"}, info2 = {.name = "info2"};
    static struct device_set ds = {.infos = {&info1, &info2}, .n = 2};
    static struct delete_arg a = {&ds, "info1"};
    GO(delete_device, &a);
    GO(delete_device, &a);
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
