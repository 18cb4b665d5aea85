// GoKer istio#16742 (non-blocking, traditional: data race).
// Origin: istio/istio PR 16742; GoKer file
// goker/nonblocking/istio/16742/istio16742_test.go.
//
// StreamAggregatedResources() registers a new connection in the global
// adsClients map (under adsClientsMutex) and then builds its routes,
// reading con.modelNode.WorkloadLabels with no lock. WorkloadUpdate(),
// run by another goroutine, walks adsClients under the *read* lock and
// sets every connection's modelNode.WorkloadLabels = nil. If the update
// sees the new connection, its write and the stream's read are unordered:
// a data race. If the update runs before addCon, the map is empty and
// there is nothing to race on, so the race depends on the schedule
// (`bug: race`): at GOMAXPROCS 1 the update goroutine, started last, runs
// first and the run is clean.
// Go's map becomes a small fixed table (README.md). The upstream patch is
// not carried by GoKer; no fixed twin.
//
// expect: ok
// gomaxprocs: 1
// bug: race
#include <gorace.h>
#include <stddef.h>
#include <string.h>

/* Go's `_ = x`: forces a real load of x. */
#define USE(v)                                                                 \
    do {                                                                       \
        __typeof__(v) use_ = (v);                                              \
        __asm__ volatile("" ::"r"(&use_) : "memory");                          \
    } while (0)

/* Collection is []struct{}: a slice header. */
struct collection {
    void *ptr;
    long len, cap;
};

struct proxy {
    struct collection workload_labels;
};

struct xds_connection {
    struct proxy *model_node;
};

/* adsClients: map[string]*XdsConnection. */
#define NCLIENTS 4
static struct {
    const char *keys[NCLIENTS];
    struct xds_connection *vals[NCLIENTS];
} ads_clients;
static go_rwmutex ads_clients_mutex;

static void ads_clients_set(const char *k, struct xds_connection *v)
{
    for (int i = 0; i < NCLIENTS; i++)
        if (ads_clients.keys[i] && strcmp(ads_clients.keys[i], k) == 0) {
            ads_clients.vals[i] = v;
            return;
        }
    for (int i = 0; i < NCLIENTS; i++)
        if (!ads_clients.keys[i]) {
            ads_clients.keys[i] = k;
            ads_clients.vals[i] = v;
            return;
        }
}

static void build_sidecar_virtual_hosts_from_config_and_registry(
    struct collection proxy_labels)
{
    USE(proxy_labels);
}

/* ConfigGeneratorImpl, the one ConfigGenerator. */
static void build_http_routes(struct proxy *node)
{
    build_sidecar_virtual_hosts_from_config_and_registry(node->workload_labels);
}

static struct proxy proxy;
static struct xds_connection conn;

static struct xds_connection *new_xds_connection(void)
{
    conn.model_node = &proxy;
    return &conn;
}

static void add_con(struct xds_connection *con)
{
    go_rwmutex_lock(&ads_clients_mutex);
    ads_clients_set("1", con);
    go_rwmutex_unlock(&ads_clients_mutex); /* deferred */
}

static void push_route(struct xds_connection *con)
{
    build_http_routes(con->model_node); /* generateRawRoutes */
}

static void stream_aggregated_resources(void)
{
    struct xds_connection *con = new_xds_connection();
    add_con(con);
    push_route(con);
}

static void workload_update(void)
{
    go_rwmutex_rlock(&ads_clients_mutex);
    for (int i = 0; i < NCLIENTS; i++)
        if (ads_clients.keys[i])
            ads_clients.vals[i]->model_node->workload_labels =
                (struct collection){0};
    go_rwmutex_runlock(&ads_clients_mutex);
}

static go_wg wg;

static void streamer(void *arg)
{
    (void)arg;
    stream_aggregated_resources();
    go_wg_done(&wg);
}

static void updater(void *arg)
{
    (void)arg;
    workload_update(); /* registry.AddWorkload() -> EDSUpdater */
    go_wg_done(&wg);
}

static void outer(void *arg)
{
    (void)arg;
    GO(streamer, NULL);
    GO(updater, NULL);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 3);
    GO(outer, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
