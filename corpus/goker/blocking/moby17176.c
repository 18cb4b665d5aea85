// GoKer moby#17176 (resource, double locking): nrDeletedDevices takes
// devices.Lock() and returns early, without the Unlock, when there are no
// deleted devices. The lock stays held by no one; the next deletion blocks
// on it forever. (Go's profile:
// testDevmapperLockReleasedDeviceDeletion.func1 in sync.Mutex.Lock.)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_mutex devices_lock;
static int nr_deleted;

static int nr_deleted_devices(void)
{
    go_mutex_lock(&devices_lock);
    if (nr_deleted == 0)
        return 0; /* missing go_mutex_unlock */
    int n = nr_deleted;
    go_mutex_unlock(&devices_lock);
    return n;
}

static void delete_device(void *arg)
{
    (void)arg;
    go_mutex_lock(&devices_lock);
    nr_deleted++;
    go_mutex_unlock(&devices_lock);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    nr_deleted_devices();
    GO(delete_device, NULL);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
