// Fixed twin of cockroach35501.c: each goroutine gets its own copy of the
// range variable (Go's `c := c`, or the per-iteration variable of Go 1.22),
// the fix for a captured loop variable; GoKer's kernel does not carry the
// upstream patch, which we did not read.
//
// expect: ok
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
    struct constraint_to_validate *c = arg; /* this goroutine's own copy */
    validate_check_in_txn(desc, &c->name);
}

static struct constraint_to_validate copies[10]; /* c := c, per iteration */

static void validate_checks(struct constraint_to_validate *checks, int n)
{
    /* GetTableDescFromID(), NewImmutableTableDescriptor(...)
     * .MakeFirstMutationPublic(): a fresh descriptor, copied. */
    struct table_descriptor table_desc = {0};
    desc_storage.table_descriptor = table_desc;
    desc = &desc_storage;
    for (int k = 0; k < n; k++) {
        copies[k] = checks[k];
        GO(validator, &copies[k]);
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
