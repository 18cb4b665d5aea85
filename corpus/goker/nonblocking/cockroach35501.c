// GoKer cockroach#35501 (non-blocking, Go-specific: anonymous function).
// Origin: cockroachdb/cockroach PR 35501; GoKer file
// goker/nonblocking/cockroach/35501/cockroach35501_test.go.
//
// SchemaChanger.validateChecks() ranges over ten checks and, for each,
// starts `go func() { validateCheckInTxn(desc, &c.Name) }()`. Before Go
// 1.22 the closure captures the one range variable c, which the loop
// overwrites with the next check while the goroutines dereference
// &c.Name. The first goroutine's read of c.Name is unordered with the
// loop's next assignment to c, a race on every schedule. The closure's
// capture is modelled by passing &c. Fixed twin: cockroach35501_fixed.c.
//
// The test waits for runBackfill() but not for the goroutines it starts;
// main sleeps 50ms after the test (the rest of the test binary; free in
// virtual time) so that they run.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>
#include <string.h>

/* Go's `_ = x`: forces a real load of x. */
#define USE(v)                                                                 \
    do {                                                                       \
        __typeof__(v) use_ = (v);                                              \
        __asm__ volatile("" ::"r"(&use_) : "memory");                          \
    } while (0)

/* A Go string. */
struct string {
    const char *ptr;
    long len;
};

struct table_descriptor {
    int unused;
};

struct mutable_table_descriptor {
    struct table_descriptor table_descriptor;
};

static void find_check_by_name(struct mutable_table_descriptor *d,
                               struct string name)
{
    (void)d;
    USE(name);
}

static void validate_check_in_txn(struct mutable_table_descriptor *table_desc,
                                  struct string *check_name)
{
    find_check_by_name(table_desc, *check_name);
}

struct constraint_to_validate {
    struct string name;
};

static struct mutable_table_descriptor desc_storage;
static struct mutable_table_descriptor *desc;

static void validator(void *arg)
{
    struct constraint_to_validate *c = arg; /* captured by reference */
    validate_check_in_txn(desc, &c->name);
}

static struct constraint_to_validate c; /* the range variable */

static void validate_checks(struct constraint_to_validate *checks, int n)
{
    /* GetTableDescFromID(), NewImmutableTableDescriptor(...)
     * .MakeFirstMutationPublic(): a fresh descriptor, copied. */
    struct table_descriptor table_desc = {0};
    desc_storage.table_descriptor = table_desc;
    desc = &desc_storage;
    for (int k = 0; k < n; k++) {
        c = checks[k];
        GO(validator, &c);
    }
}

static struct constraint_to_validate checks_to_validate[10];

static void run_backfill(void)
{
    for (int i = 0; i < 10; i++)
        checks_to_validate[i].name =
            (struct string){"nil string", (long)strlen("nil string")};
    validate_checks(checks_to_validate, 10);
}

static go_wg wg;

static void test_body(void *arg)
{
    (void)arg;
    run_backfill();
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 1);
    GO(test_body, NULL);
    go_wg_wait(&wg);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
