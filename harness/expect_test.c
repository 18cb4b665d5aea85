/*
 * expect_test.c: the expectation parser, the stdout rule, and judging a run.
 */
#include "expect.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static int failures;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
            failures++;                                                        \
        }                                                                      \
    } while (0)

static bool parse(const char *text, struct expect *e, char *err)
{
    return expect_parse_text(text, e, err, 256);
}

static bool out_ok(const struct expect *e, const char *out, char *diff)
{
    return expect_check_stdout(e, out, strlen(out), diff, 512);
}

static void test_directives(void)
{
    struct expect e;
    char err[256];
    CHECK(parse("// Port of a Go example.\n"
                "// Note: prose with a colon is not a directive.\n"
                "//\n"
                "// expect: panic\n"
                "// stderr: panic: close of closed channel  \n"
                "// gomaxprocs: 1,2,4\n"
                "// args: -n 3  x\n"
                "\n"
                "#include <gorace.h>\n"
                "// expect: ok\n",
                &e, err));
    CHECK(e.outcome == OUT_PANIC && e.exit_code == 2);
    CHECK(strcmp(e.stderr_prefix, "panic: close of closed channel") == 0);
    CHECK(e.ngomaxprocs == 3 && e.gomaxprocs[0] == 1 && e.gomaxprocs[2] == 4);
    CHECK(e.no_free_reason == NULL);
    CHECK(e.nargs == 3 && strcmp(e.args[0], "-n") == 0 &&
          strcmp(e.args[2], "x") == 0 && e.args[3] == NULL);
    CHECK(!e.has_stdout);
    expect_free(&e);

    static const struct {
        const char *text;
        enum outcome o;
        int code;
    } outcomes[] = {
        {"// expect: ok\n", OUT_OK, 0},
        {"// expect: race\n", OUT_RACE, 66},
        {"// expect: deadlock\n", OUT_DEADLOCK, 2},
        {"// expect: leak\n", OUT_LEAK, 66},
        {"// expect: fatal\n", OUT_FATAL, 2},
        {"//expect:exit 3\n", OUT_EXIT, 3},
        {"  // expect: exit 0", OUT_EXIT, 0},
    };
    for (size_t i = 0; i < sizeof outcomes / sizeof *outcomes; i++) {
        CHECK(parse(outcomes[i].text, &e, err));
        CHECK(e.outcome == outcomes[i].o && e.exit_code == outcomes[i].code);
        expect_free(&e);
    }
}

static void test_errors(void)
{
    struct expect e;
    char err[256];
    CHECK(!parse("// stdout: x\n", &e, err));
    CHECK(strstr(err, "no \"// expect:\"") != NULL);
    CHECK(!parse("int x;\n// expect: ok\n", &e, err));
    CHECK(!parse("// expect: fine\n", &e, err));
    CHECK(strstr(err, "bad expect \"fine\"") != NULL);
    CHECK(!parse("// expect: exit\n", &e, err));
    CHECK(!parse("// expect: exit 256\n", &e, err));
    CHECK(!parse("// expect: exit 3x\n", &e, err));
    CHECK(!parse("// expect: ok\n// expect: ok\n", &e, err));
    CHECK(strstr(err, "line 2") != NULL);
    CHECK(!parse("// expect: ok\n// gomaxprocs: 1,,2\n", &e, err));
    CHECK(!parse("// expect: ok\n// gomaxprocs: 0\n", &e, err));
    CHECK(!parse("// expect: ok\n// gomaxprocs:\n", &e, err));
    CHECK(!parse("// expect: ok\n// gomaxprocs: none\n", &e, err));
    CHECK(!parse("// expect: ok\n// gomaxprocs: nonesuch\n", &e, err));
}

static void test_stdout(void)
{
    struct expect e;
    char err[256], diff[512];
    CHECK(parse("// expect: ok\n"
                "// stdout: start\n"
                "// stdout-set: a|b|a\n"
                "// stdout: end\n",
                &e, err));
    CHECK(e.nsegs == 3 && e.segs[1].is_set && e.segs[1].n == 3);
    CHECK(out_ok(&e, "start\na\nb\na\nend\n", diff));
    CHECK(out_ok(&e, "start\nb\na\na\nend\n", diff));
    CHECK(out_ok(&e, "start  \r\na\na\nb\nend", diff)); /* trailing blanks */
    CHECK(!out_ok(&e, "start\na\nb\nb\nend\n", diff));  /* multiset, not set */
    CHECK(strstr(diff, "stdout line 4: got \"b\"") != NULL);
    CHECK(!out_ok(&e, "start\na\nb\n", diff));
    CHECK(strstr(diff, "ended after 3 lines") != NULL);
    CHECK(!out_ok(&e, "start\na\nb\na\nend\nmore\n", diff));
    CHECK(strstr(diff, "stdout line 6: unexpected extra line \"more\"") !=
          NULL);
    CHECK(!out_ok(&e, "begin\na\nb\na\nend\n", diff));
    CHECK(strstr(diff, "stdout line 1: got \"begin\", want \"start\"") != NULL);
    CHECK(!out_ok(&e, "start\na\nb\na\nend\n\n", diff)); /* blank is a line */
    expect_free(&e);

    /* No stdout directive: stdout is not checked. */
    CHECK(parse("// expect: ok\n", &e, err));
    CHECK(out_ok(&e, "anything\n", diff));
    expect_free(&e);

    /* An empty exact line and a leading-space line are kept as written. */
    CHECK(parse("// expect: ok\n// stdout:\n// stdout:  x\n", &e, err));
    CHECK(out_ok(&e, "\n x\n", diff));
    CHECK(!out_ok(&e, "\nx\n", diff));
    expect_free(&e);
}

static void test_bug_and_seeds(void)
{
    struct expect e;
    char err[256], name[32];
    CHECK(parse("// expect: ok\n// stdout: 2\n// bug: stdout\n"
                "// seeds: 10 slow\n",
                &e, err));
    CHECK(e.has_bug && e.bug_is_stdout && e.seeds == 10);
    CHECK(strcmp(e.seeds_reason, "slow") == 0);
    bug_name(&e, name, sizeof name);
    CHECK(strcmp(name, "stdout") == 0);
    expect_free(&e);
    CHECK(parse("// expect: ok\n// bug: exit 3\n", &e, err));
    CHECK(e.has_bug && e.bug_outcome == OUT_EXIT && e.bug_exit_code == 3);
    CHECK(e.seeds == -1);
    expect_free(&e);
    CHECK(parse("// expect: ok\n// gomaxprocs: none  real time decides\n", &e,
                err));
    CHECK(e.ngomaxprocs == 0 &&
          strcmp(e.no_free_reason, "real time decides") == 0);
    expect_free(&e);

    CHECK(!parse("// expect: ok\n// bug: ok\n", &e, err));
    CHECK(strstr(err, "line 2: bad bug \"ok\"") != NULL);
    CHECK(!parse("// expect: panic\n// bug: panic\n", &e, err));
    CHECK(strstr(err, "the expected one") != NULL);
    CHECK(!parse("// expect: ok\n// bug: stdout\n", &e, err));
    CHECK(strstr(err, "needs stdout directives") != NULL);
    CHECK(!parse("// expect: ok\n// bug: panic\n// bug: deadlock\n", &e, err));
    CHECK(!parse("// expect: ok\n// seeds: 0\n", &e, err));
    CHECK(strstr(err, "needs a reason") != NULL);
    CHECK(!parse("// expect: ok\n// seeds: -1 x\n", &e, err));
    CHECK(!parse("// expect: ok\n// seeds: 5x\n", &e, err));
    CHECK(parse("// expect: ok\n// seeds: 0 reads the wall clock\n", &e, err));
    CHECK(e.seeds == 0);
    expect_free(&e);
}

static struct run mkrun(int status, const char *out, const char *err)
{
    return (struct run){.status = status,
                        .timeout = 1,
                        .out = out,
                        .outlen = strlen(out),
                        .err = err,
                        .errlen = strlen(err)};
}

static void test_judge(void)
{
    struct expect e;
    char err[256], kind[64], msg[512];
    const char *dl = "fatal error: all goroutines are asleep - deadlock!\n";
    CHECK(parse("// expect: ok\n// stdout: 2\n// bug: deadlock\n", &e, err));
    struct run good = mkrun(W_EXITCODE(0, 0), "2\n", "");
    struct run dead = mkrun(W_EXITCODE(2, 0), "", dl);
    struct run panic = mkrun(W_EXITCODE(2, 0), "", "panic: boom\n");
    struct run wrong = mkrun(W_EXITCODE(0, 0), "3\n", "");
    CHECK(judge_run(&e, &good, msg, sizeof msg) && !bug_shown(&e, &good));
    CHECK(!judge_run(&e, &dead, msg, sizeof msg) && bug_shown(&e, &dead));
    CHECK(!judge_run(&e, &panic, msg, sizeof msg) && !bug_shown(&e, &panic));
    CHECK(!judge_run(&e, &wrong, msg, sizeof msg) && !bug_shown(&e, &wrong));
    struct run warned = mkrun(W_EXITCODE(0, 0), "2\n",
                              "x\nWARNING: sync.Mutex unlocked by a goroutine "
                              "that did not lock it\n");
    CHECK(!judge_run(&e, &warned, msg, sizeof msg));
    CHECK(strstr(msg, "detector warning") != NULL);
    expect_free(&e);
    CHECK(parse("// expect: ok\n// stdout: 2\n// bug: stdout\n", &e, err));
    CHECK(bug_shown(&e, &wrong) && !bug_shown(&e, &dead));
    CHECK(!bug_shown(&e, &good));
    expect_free(&e);

    run_kind(&dead, kind, sizeof kind);
    CHECK(strcmp(kind, "deadlock") == 0);
    run_kind(&panic, kind, sizeof kind);
    CHECK(strcmp(kind, "panic") == 0);
    struct run race = mkrun(W_EXITCODE(66, 0), "", "==\nWARNING: DATA RACE\n");
    run_kind(&race, kind, sizeof kind);
    CHECK(strcmp(kind, "race") == 0);
    struct run seg = mkrun(SIGSEGV, "", "");
    run_kind(&seg, kind, sizeof kind);
    CHECK(strcmp(kind, "signal SIGSEGV") == 0);
    struct run three = mkrun(W_EXITCODE(3, 0), "", "");
    run_kind(&three, kind, sizeof kind);
    CHECK(strcmp(kind, "exit 3") == 0);

    CHECK(run_crashed(&dead, msg, sizeof msg));
    CHECK(strcmp(msg, "fatal error: all goroutines are asleep - deadlock!") ==
          0);
    CHECK(run_crashed(&race, msg, sizeof msg) && run_crashed(&seg, msg, 512));
    CHECK(!run_crashed(&three, msg, sizeof msg));
    CHECK(!run_crashed(&good, msg, sizeof msg));
    struct run late = good;
    late.timed_out = true;
    CHECK(run_crashed(&late, msg, sizeof msg));
    CHECK(strcmp(msg, "timed out after 1s") == 0);
}

int main(void)
{
    test_directives();
    test_errors();
    test_stdout();
    test_bug_and_seeds();
    test_judge();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("expect_test: ok\n");
    return 0;
}
